import { Inject, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import type Redis from 'ioredis';
import { TENANT_EVENTS_CHANNEL, TENANT_MOVE_EVENTS } from '@kryonix/domain';
import { TenantEventsRepository } from '@kryonix/registry';
import { TenantProvisionedEvent } from '../events/tenant-provisioned.event';
import {
  TenantCredentialsRotatedEvent,
  TenantDeletedEvent,
  TenantKeyRotatedEvent,
  TenantModulesChangedEvent,
  TenantMoveAbandonedEvent,
  TenantMovedEvent,
  TenantMovingEvent,
  TenantRateLimitChangedEvent,
  TenantResumedEvent,
  TenantSuspendedEvent,
} from '../events/tenant-lifecycle.events';

export const REDIS_PUBLISHER = Symbol('REDIS_PUBLISHER');

type TenantEvent =
  | TenantProvisionedEvent
  | TenantSuspendedEvent
  | TenantResumedEvent
  | TenantDeletedEvent
  | TenantKeyRotatedEvent
  | TenantCredentialsRotatedEvent
  | TenantModulesChangedEvent
  | TenantRateLimitChangedEvent
  | TenantMovingEvent
  | TenantMovedEvent
  | TenantMoveAbandonedEvent;

const TYPES = new Map<abstract new (...args: never[]) => unknown, string>([
  [TenantProvisionedEvent, 'TenantProvisioned'],
  [TenantSuspendedEvent, 'TenantSuspended'],
  [TenantResumedEvent, 'TenantResumed'],
  [TenantDeletedEvent, 'TenantDeleted'],
  [TenantKeyRotatedEvent, 'TenantKeyRotated'],
  [TenantCredentialsRotatedEvent, 'TenantCredentialsRotated'],
  [TenantModulesChangedEvent, 'TenantModulesChanged'],
  [TenantRateLimitChangedEvent, 'TenantRateLimitChanged'],
  [TenantMovingEvent, TENANT_MOVE_EVENTS.moving],
  [TenantMovedEvent, TENANT_MOVE_EVENTS.moved],
  [TenantMoveAbandonedEvent, TENANT_MOVE_EVENTS.abandoned],
]);

/**
 * Publishes every tenant event as `{ type, tenantId, at }` (TenantMoving adds `server`, the target): always with PostgreSQL's
 * NOTIFY on channel `kryonix_tenants` of the control database (every data plane listens
 * there, so a suspension, key rotation or rate limit is in force within a second, Redis
 * or not), and, when REDIS_URL is set, on Redis channel `kryonix:tenants` after dropping
 * the shared route cache entry. Publishing is best effort: the registry stays the truth
 * and data planes also expire their caches by TTL.
 */
@EventsHandler(TenantProvisionedEvent, TenantSuspendedEvent, TenantResumedEvent, TenantDeletedEvent, TenantKeyRotatedEvent, TenantCredentialsRotatedEvent, TenantModulesChangedEvent, TenantRateLimitChangedEvent, TenantMovingEvent, TenantMovedEvent, TenantMoveAbandonedEvent)
export class TenantEventsPublisher implements IEventHandler<TenantEvent>, OnModuleDestroy {
  private readonly logger = new Logger('events');
  private pending = new Set<Promise<unknown>>();

  constructor(
    private readonly notifications: TenantEventsRepository,
    @Optional() @Inject(REDIS_PUBLISHER) private readonly redis?: Redis,
  ) {}

  handle(event: TenantEvent): void {
    const server = event instanceof TenantMovingEvent ? event.server : undefined;
    const message = JSON.stringify({ type: TYPES.get(event.constructor as abstract new (...args: never[]) => unknown) ?? event.constructor.name, tenantId: event.tenantId, at: new Date().toISOString(), ...(server ? { server } : {}) });
    this.track(this.notifications.notify(message).catch((error: unknown) => this.logger.warn({ err: error }, 'could not notify a tenant event on PostgreSQL')));
    if (!this.redis) return;
    // Drop the shared route cache entry first, then tell every data plane to drop its own.
    this.track(
      this.redis
        .del(`kryonix:route:${event.tenantId}`)
        .then(() => this.redis!.publish(TENANT_EVENTS_CHANNEL, message))
        .catch((error: unknown) => this.logger.warn({ err: error }, 'could not publish a tenant event on Redis')),
    );
  }

  private track(sent: Promise<unknown>): void {
    const tracked = sent.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** Lets in-flight publishes finish (a CLI process exits right after its command). */
  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.pending);
    // QUIT waits for a reply, which never comes while Redis is down: then just drop the connection.
    if (this.redis?.status === 'ready') await this.redis.quit().catch(() => undefined);
    else this.redis?.disconnect();
  }
}
