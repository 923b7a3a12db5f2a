import { Inject, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import type Redis from 'ioredis';
import { TENANT_EVENTS_CHANNEL } from '@kryonix/domain';
import { TenantProvisionedEvent } from '../events/tenant-provisioned.event';
import {
  TenantCredentialsRotatedEvent,
  TenantDeletedEvent,
  TenantKeyRotatedEvent,
  TenantModulesChangedEvent,
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
  | TenantRateLimitChangedEvent;

const TYPES = new Map<abstract new (...args: never[]) => unknown, string>([
  [TenantProvisionedEvent, 'TenantProvisioned'],
  [TenantSuspendedEvent, 'TenantSuspended'],
  [TenantResumedEvent, 'TenantResumed'],
  [TenantDeletedEvent, 'TenantDeleted'],
  [TenantKeyRotatedEvent, 'TenantKeyRotated'],
  [TenantCredentialsRotatedEvent, 'TenantCredentialsRotated'],
  [TenantModulesChangedEvent, 'TenantModulesChanged'],
  [TenantRateLimitChangedEvent, 'TenantRateLimitChanged'],
]);

/**
 * Publishes every tenant event on Redis channel `kryonix:tenants` as
 * `{ type, tenantId, at }` when REDIS_URL is set. Publishing is best effort: the
 * registry stays the truth and data planes also expire their caches by TTL.
 */
@EventsHandler(TenantProvisionedEvent, TenantSuspendedEvent, TenantResumedEvent, TenantDeletedEvent, TenantKeyRotatedEvent, TenantCredentialsRotatedEvent, TenantModulesChangedEvent, TenantRateLimitChangedEvent)
export class TenantEventsPublisher implements IEventHandler<TenantEvent>, OnModuleDestroy {
  private readonly logger = new Logger('events');
  private pending = new Set<Promise<unknown>>();

  constructor(@Optional() @Inject(REDIS_PUBLISHER) private readonly redis?: Redis) {}

  handle(event: TenantEvent): void {
    if (!this.redis) return;
    const message = JSON.stringify({ type: TYPES.get(event.constructor as abstract new (...args: never[]) => unknown) ?? event.constructor.name, tenantId: event.tenantId, at: new Date().toISOString() });
    // Drop the shared route cache entry first, then tell every data plane to drop its own.
    const sent = this.redis
      .del(`kryonix:route:${event.tenantId}`)
      .then(() => this.redis!.publish(TENANT_EVENTS_CHANNEL, message))
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not publish a tenant event on Redis'))
      .finally(() => this.pending.delete(sent));
    this.pending.add(sent);
  }

  /** Lets in-flight publishes finish (a CLI process exits right after its command). */
  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.pending);
    // QUIT waits for a reply, which never comes while Redis is down: then just drop the connection.
    if (this.redis?.status === 'ready') await this.redis.quit().catch(() => undefined);
    else this.redis?.disconnect();
  }
}
