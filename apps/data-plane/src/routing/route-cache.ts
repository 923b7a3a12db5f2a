import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import { ResolveRouteQuery, TenantRoute } from '@kryonix/routes';
import { TENANT_EVENTS_CHANNEL, Unavailable } from '@kryonix/domain';
import { OutageLog, watchRedis, within } from '@kryonix/platform';

export interface RouteCacheOptions {
  ttlMs: number;
  max: number;
  /** How long "no such tenant" is remembered: short, so a tenant created meanwhile is reachable soon even without its event. */
  unknownTtlMs: number;
  /** How many unknown names are remembered, apart from the routes: made-up subdomains cannot push real routes out. */
  unknownMax: number;
  redisUrl?: string;
  /** How long a registry read of a route may take before the request gets 503 (KRYONIX_ACQUIRE_TIMEOUT_MS). */
  loadTimeoutMs: number;
}
export const ROUTE_CACHE_OPTIONS = Symbol('ROUTE_CACHE_OPTIONS');

/** The shared cache key of a tenant's route; the control plane deletes it when the tenant changes. */
export const routeKey = (id: string) => `kryonix:route:${id}`;

type Entry = { route: TenantRoute | undefined };

/**
 * Tenant routes in an in-process LRU with a TTL, then (with Redis) in Redis as a
 * cache shared by all data planes, then the registry. With Redis, the control plane's
 * events on `kryonix:tenants` drop an entry at once (a suspension or key rotation
 * reaches every data plane within milliseconds); without Redis, or with Redis
 * gone, entries simply expire and the registry is read again.
 * Names the registry does not know are remembered briefly in a separate, bounded
 * LRU (not in Redis), and concurrent lookups of one name share one registry read,
 * so a flood of requests for made-up subdomains costs at most one read per name
 * per `unknownTtlMs` and never evicts a real tenant's route.
 */
@Injectable()
export class RouteCache implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('routes');
  private readonly cache: LRUCache<string, TenantRoute>;
  private readonly unknown: LRUCache<string, true>;
  private readonly loading = new Map<string, Promise<TenantRoute | undefined>>();
  /** Bumped by every invalidation: a registry read that started before it must not be cached. */
  private epoch = 0;
  private subscriber?: Redis;
  /** Redis as the shared second level: one registry read serves every data plane. */
  private shared?: Redis;
  hits = 0;
  misses = 0;
  sharedHits = 0;
  unknownHits = 0;
  registryReads = 0;

  constructor(
    private readonly queries: QueryBus,
    @Inject(ROUTE_CACHE_OPTIONS) private readonly options: RouteCacheOptions,
  ) {
    this.cache = new LRUCache<string, TenantRoute>({ max: options.max, ttl: options.ttlMs });
    this.unknown = new LRUCache<string, true>({ max: options.unknownMax, ttl: options.unknownTtlMs });
  }

  async onModuleInit(): Promise<void> {
    if (!this.options.redisUrl) return;
    this.shared = new Redis(this.options.redisUrl, { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: (n) => Math.min(n * 200, 2000) });
    this.shared.on('error', () => undefined); // the same server as the subscriber's, whose outage is logged
    this.subscriber = new Redis(this.options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: null, retryStrategy: (n) => Math.min(n * 200, 2000) });
    // reconnects by itself; meanwhile the TTL keeps routes fresh
    watchRedis(this.subscriber, new OutageLog(this.logger, 'Redis (route events)'));
    this.subscriber.on('message', (_channel, message) => this.onEvent(message));
    // Any reconnect may have missed events: start from a clean cache.
    this.subscriber.on('ready', () => this.clear());
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
      return cached;
    }
    if (this.unknown.has(id)) {
      this.unknownHits++;
      return undefined;
    }
    this.misses++;
    let pending = this.loading.get(id);
    if (!pending) {
      pending = this.load(id).finally(() => this.loading.delete(id));
      this.loading.set(id, pending);
    }
    return pending;
  }

  private async load(id: string): Promise<TenantRoute | undefined> {
    const epoch = this.epoch;
    const fromRedis = await this.readShared(id);
    if (fromRedis) {
      this.sharedHits++;
      if (epoch === this.epoch) this.cache.set(id, fromRedis);
      return fromRedis;
    }
    this.registryReads++;
    // a registry that does not answer (paused, cut off) is a 503 in bounded time, like one that refuses
    const route = await within(this.queries.execute(new ResolveRouteQuery(id)), this.options.loadTimeoutMs, () => new Unavailable('The registry does not answer; try again shortly.', { retryAfterSeconds: 1 }));
    if (epoch === this.epoch) {
      if (route) {
        this.cache.set(id, route);
        void this.writeShared(id, route);
      } else {
        this.unknown.set(id, true);
      }
    }
    return route;
  }

  private async readShared(id: string): Promise<TenantRoute | undefined> {
    if (this.shared?.status !== 'ready') return undefined;
    try {
      const text = await this.shared.get(routeKey(id));
      return text ? (JSON.parse(text) as Entry).route : undefined;
    } catch {
      return undefined; // Redis trouble: the registry answers
    }
  }

  private async writeShared(id: string, route: TenantRoute): Promise<void> {
    if (this.shared?.status !== 'ready') return;
    const entry: Entry = { route };
    await this.shared.set(routeKey(id), JSON.stringify(entry), 'PX', this.options.ttlMs).catch(() => undefined);
  }

  invalidate(id: string): void {
    this.epoch++;
    this.cache.delete(id);
    this.unknown.delete(id);
    this.loading.delete(id);
  }

  /** Everything dropped: an event channel reconnected, and what it missed while away is unknown. */
  clear(): void {
    this.epoch++;
    this.cache.clear();
    this.unknown.clear();
    this.loading.clear();
  }

  /** Any event of a tenant (TenantProvisioned included: a name just missed may exist now) drops what we know of it. */
  onEvent(message: string): void {
    try {
      const { tenantId } = JSON.parse(message) as { tenantId?: string };
      if (typeof tenantId === 'string') {
        this.invalidate(tenantId);
        void this.shared?.del(routeKey(tenantId)).catch(() => undefined);
      }
    } catch {
      // not one of ours
    }
  }
}
