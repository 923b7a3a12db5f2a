import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import { TENANT_EVENTS_PG_CHANNEL, TENANT_MOVE_EVENTS } from '@kryonix/domain';
import { DatabaseConnector, KRYONIX_CONFIG, type KryonixConfig, OutageLog } from '@kryonix/platform';
import { listenToTenantEvents } from '@kryonix/registry';
import { RouteCache } from './route-cache';
import { MoveHold } from './move-hold';
import { TenantConnections } from '../pools/tenant-connections';

const RETRY_MS = [200, 500, 1_000, 2_000];

/**
 * The control plane's tenant events from PostgreSQL's LISTEN/NOTIFY (channel
 * `kryonix_tenants` of the control database), on one dedicated connection: each drops
 * what the route cache knows of that tenant, so a suspension, key rotation or rate limit
 * is in force here within a second, with or without Redis; a move's cut-over events hold
 * and release the tenant's requests (MoveHold). A broken connection is
 * replaced (200 ms … 2 s apart), and since notifications sent meanwhile are lost, the
 * whole route cache is dropped once it listens again.
 */
@Injectable()
export class TenantEventsListener implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('events');
  private readonly outage = new OutageLog(this.logger, 'PostgreSQL (tenant events)');
  private client?: Client;
  private stopped = false;
  private failures = 0;
  private timer?: NodeJS.Timeout;
  /** Set once a connection listens (tests wait on it). */
  listening = false;

  constructor(
    private readonly routes: RouteCache,
    private readonly moves: MoveHold,
    private readonly connections: TenantConnections,
    private readonly connector: DatabaseConnector,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.connect(false);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.client?.end().catch(() => undefined);
  }

  private async connect(reconnecting: boolean): Promise<void> {
    if (this.stopped) return;
    const client = new Client(this.connector.poolConfig(this.config.registryDatabase, { application_name: `${this.config.dataApplicationName} (events)`, connectionTimeoutMillis: this.config.acquireTimeoutMs }));
    let broken = false;
    const lost = (error?: unknown) => {
      if (broken) return;
      broken = true;
      this.listening = false;
      if (error) this.outage.failed(error);
      client.end().catch(() => undefined);
      this.retry();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (n) => {
      if (n.channel !== TENANT_EVENTS_PG_CHANNEL || !n.payload) return;
      // the route first: a request let go by the hold reads it afresh
      this.routes.onEvent(n.payload);
      this.moves.onEvent(n.payload);
      this.warmMoveTarget(n.payload);
    });
    try {
      await client.connect();
      await listenToTenantEvents(client);
    } catch (error) {
      lost(error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.failures = 0;
    this.listening = true;
    this.outage.ok();
    if (reconnecting) this.routes.clear(); // what was sent while we were away is lost (a hold ends by its own time limit)
  }

  /** TenantMoving names the target: connections there are readied during the hold (TenantConnections.warm). */
  private warmMoveTarget(message: string): void {
    let event: { type?: unknown; tenantId?: unknown; server?: unknown };
    try {
      event = JSON.parse(message) as typeof event;
    } catch {
      return;
    }
    if (event.type !== TENANT_MOVE_EVENTS.moving || typeof event.tenantId !== 'string' || typeof event.server !== 'string') return;
    const server = event.server;
    void this.routes
      .get(event.tenantId)
      .then((route) => (route && route.status === 'active' && route.server !== server ? this.connections.warm(route, server) : undefined))
      .catch(() => undefined);
  }

  private retry(): void {
    if (this.stopped) return;
    const delay = RETRY_MS[Math.min(this.failures++, RETRY_MS.length - 1)]!;
    this.timer = setTimeout(() => void this.connect(true), delay);
    this.timer.unref();
  }
}
