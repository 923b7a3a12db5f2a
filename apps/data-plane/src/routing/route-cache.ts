import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import { ResolveRouteQuery, TENANT_EVENTS_CHANNEL, TenantRoute } from '@kryonix/tenants';

export interface RouteCacheOptions {
  ttlMs: number;
  max: number;
  redisUrl?: string;
}
export const ROUTE_CACHE_OPTIONS = Symbol('ROUTE_CACHE_OPTIONS');

/** The shared cache key of a tenant's route; the control plane deletes it when the tenant changes. */
export const routeKey = (id: string) => `kryonix:route:${id}`;

/** "no such tenant" is cached too, so a flood of unknown subdomains does not reach the registry. */
type Entry = { route: TenantRoute | undefined };

/**
 * Tenant routes in an in-process LRU with a TTL, then (with Redis) in Redis as a
 * cache shared by all data planes, then the registry. With Redis, the control plane's
 * events on `kryonix:tenants` drop an entry at once (a suspension or key rotation
 * reaches every data plane within milliseconds); without Redis, or with Redis
 * gone, entries simply expire and the registry is read again.
 */
@Injectable()
export class RouteCache implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('routes');
  private readonly cache: LRUCache<string, Entry>;
  private subscriber?: Redis;
  /** Redis as the shared second level: one registry read serves every data plane. */
  private shared?: Redis;
  hits = 0;
  misses = 0;
  sharedHits = 0;

  constructor(
    private readonly queries: QueryBus,
    @Inject(ROUTE_CACHE_OPTIONS) private readonly options: RouteCacheOptions,
  ) {
    this.cache = new LRUCache<string, Entry>({ max: options.max, ttl: options.ttlMs });
  }

  async onModuleInit(): Promise<void> {
    if (!this.options.redisUrl) return;
    this.shared = new Redis(this.options.redisUrl, { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: (n) => Math.min(n * 200, 2000) });
    this.shared.on('error', () => undefined);
    this.subscriber = new Redis(this.options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: null, retryStrategy: (n) => Math.min(n * 200, 2000) });
    this.subscriber.on('error', () => undefined); // reconnects by itself; meanwhile the TTL keeps routes fresh
    this.subscriber.on('message', (_channel, message) => this.onEvent(message));
    // Any reconnect may have missed events: start from a clean cache.
    this.subscriber.on('ready', () => this.cache.clear());
    try {
      await this.subscriber.connect();
      await this.subscriber.subscribe(TENANT_EVENTS_CHANNEL);
    } catch (error) {
      this.logger.warn({ err: error }, 'Redis unavailable: route cache falls back to its TTL');
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.subscriber?.disconnect();
    this.shared?.disconnect();
  }

  async get(id: string): Promise<TenantRoute | undefined> {
    const cached = this.cache.get(id);
    if (cached) {
      this.hits++;
      return cached.route;
    }
    this.misses++;
    const fromRedis = await this.readShared(id);
    if (fromRedis) {
      this.sharedHits++;
      this.cache.set(id, fromRedis);
      return fromRedis.route;
    }
    const route = await this.queries.execute(new ResolveRouteQuery(id));
    this.cache.set(id, { route });
    void this.writeShared(id, { route });
    return route;
  }

  private async readShared(id: string): Promise<Entry | undefined> {
    if (this.shared?.status !== 'ready') return undefined;
    try {
      const text = await this.shared.get(routeKey(id));
      return text ? (JSON.parse(text) as Entry) : undefined;
    } catch {
      return undefined; // Redis trouble: the registry answers
    }
  }

  private async writeShared(id: string, entry: Entry): Promise<void> {
    if (this.shared?.status !== 'ready') return;
    await this.shared.set(routeKey(id), JSON.stringify(entry), 'PX', this.options.ttlMs).catch(() => undefined);
  }

  invalidate(id: string): void {
    this.cache.delete(id);
  }

  private onEvent(message: string): void {
    try {
      const { tenantId } = JSON.parse(message) as { tenantId?: string };
      if (typeof tenantId === 'string') {
        this.cache.delete(tenantId);
        void this.shared?.del(routeKey(tenantId)).catch(() => undefined);
      }
    } catch {
      // not one of ours
    }
  }
}
