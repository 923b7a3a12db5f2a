import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import { ResolveRouteQuery, TenantRoute } from '@kryonix/routes';
import { TENANT_EVENTS_CHANNEL, Unavailable, fromServerFault } from '@kryonix/domain';
import { OutageLog, watchRedis, within } from '@kryonix/platform';

export interface RouteCacheOptions {
  /** How long a route read from the registry is used without reading it again (KRYONIX_ROUTE_TTL_MS; 0: read at every request). */
  ttlMs: number;
  /** How long a route is still served, from its last read, while the registry cannot be read (KRYONIX_ROUTE_STALE_MAX). */
  staleMaxMs: number;
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

/** How a route travels through Redis. */
type Shared = { route: TenantRoute | undefined };

/** A route as last read. */
interface Entry {
  route: TenantRoute;
  /** Until when it is used as it is (its read + the TTL). */
  freshUntil: number;
  /** The `generation` it was read in: a later one wants it read again. */
  generation: number;
}

/** While the registry is away, how often a request may try it again (in the background when a known route can answer). */
const REGISTRY_RETRY_MS = 1_000;

/** What the route cache knows of the registry: readiness and metrics say it. */
export interface RegistryState {
  up: boolean;
  /** Since when it cannot be read (ms since the epoch). */
  downSince?: number;
  /** Routes held while it is away: what is served from their last read (0 while it is up). */
  staleRoutes: number;
}

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
 *
 * The registry is no single point of failure for tenant traffic: a route past its TTL
 * is kept as the tenant's last known route for `staleMaxMs` from its last read. When the
 * registry cannot be read (refused, closed, silent past `loadTimeoutMs`), known tenants
 * are served from their last known routes — keys included — at once, without waiting on
 * it again, while one request a second tries it in the background; a tenant never seen
 * gets 503. Nothing can change a route meanwhile (the control plane cannot write either).
 * The first read that works again makes every route be read again on its next use.
 */
@Injectable()
export class RouteCache implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('routes');
  /** One warning when the registry cannot be read any more, one line when it can again. */
  private readonly outage = new OutageLog(this.logger, 'Registry (tenant routes)');
  private readonly cache: LRUCache<string, Entry>;
  private readonly unknown: LRUCache<string, true>;
  private readonly loading = new Map<string, Promise<TenantRoute | undefined>>();
  /** What else is dropped with a route (ModuleResources' columns). */
  private readonly listeners: Array<(id: string | undefined) => void> = [];
  /** Bumped by every invalidation: a registry read that started before it must not be cached. */
  private epoch = 0;
  /** Bumped when everything must be read again (events missed, the registry back): older entries are last known routes only. */
  private generation = 0;
  /** Set while the registry cannot be read. */
  private downSince: number | undefined;
  /** While it cannot: when a request may try it again. */
  private retryAt = 0;
  private subscriber?: Redis;
  /** Redis as the shared second level: one registry read serves every data plane. */
  private shared?: Redis;
  hits = 0;
  misses = 0;
  sharedHits = 0;
  unknownHits = 0;
  registryReads = 0;
  /** Requests answered from a last known route because the registry could not be read. */
  staleHits = 0;

  constructor(
    private readonly queries: QueryBus,
    @Inject(ROUTE_CACHE_OPTIONS) private readonly options: RouteCacheOptions,
  ) {
    // kept past their TTL, as last known routes (lru-cache: a ttl of 0 would mean "for ever")
    this.cache = new LRUCache<string, Entry>({ max: options.max, ttl: Math.max(options.staleMaxMs, options.ttlMs, 1) });
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
    const entry = this.cache.get(id);
    if (entry !== undefined && entry.generation === this.generation && Date.now() < entry.freshUntil) {
      this.hits++;
      return entry.route;
    }
    if (this.unknown.has(id)) {
      this.unknownHits++;
      return undefined;
    }
    this.misses++;
    if (this.downSince !== undefined) return this.whileDown(id, entry);
    return this.read(id);
  }

  /** The registry as last seen, and how many routes are served from their last read meanwhile. */
  registryState(): RegistryState {
    if (this.downSince === undefined) return { up: true, staleRoutes: 0 };
    this.cache.purgeStale();
    return { up: false, downSince: this.downSince, staleRoutes: this.cache.size };
  }

  /** The registry answered (a route read, the readiness probe): if it was away, every route is read again on its next use. */
  registryAnswered(): void {
    if (this.downSince === undefined) return;
    this.downSince = undefined;
    this.generation++;
    this.unknown.clear();
    this.outage.ok();
  }

  /** The registry could not be read: known routes are served as they were last read. */
  registryFailed(error: unknown): void {
    this.retryAt = Date.now() + REGISTRY_RETRY_MS;
    if (this.downSince !== undefined) return;
    this.downSince = Date.now();
    this.outage.failed(error);
  }

  /** One registry read per name at a time, whoever asks. */
  private read(id: string): Promise<TenantRoute | undefined> {
    let pending = this.loading.get(id);
    if (!pending) {
      pending = this.load(id).finally(() => this.loading.delete(id));
      this.loading.set(id, pending);
    }
    return pending;
  }

  /**
   * The registry is away: a known tenant is served from its last read at once, and one
   * request a second tries the registry (in the background when a route answers); a
   * tenant never seen gets 503.
   */
  private async whileDown(id: string, entry: Entry | undefined): Promise<TenantRoute | undefined> {
    const retry = Date.now() >= this.retryAt;
    if (retry) this.retryAt = Date.now() + REGISTRY_RETRY_MS;
    if (entry !== undefined) {
      if (retry) this.read(id).catch(() => undefined);
      this.staleHits++;
      return entry.route;
    }
    if (retry) return this.read(id);
    const fromRedis = await this.readShared(id);
    if (fromRedis) {
      this.sharedHits++;
      return fromRedis;
    }
    throw unreadable();
  }

  private async load(id: string): Promise<TenantRoute | undefined> {
    const epoch = this.epoch;
    const fromRedis = await this.readShared(id);
    if (fromRedis) {
      this.sharedHits++;
      if (epoch === this.epoch) this.remember(id, fromRedis);
      return fromRedis;
    }
    this.registryReads++;
    let route: TenantRoute | undefined;
    try {
      // a registry that does not answer (paused, cut off) counts as away after the acquire timeout, like one that refuses
      route = await within(this.queries.execute(new ResolveRouteQuery(id)), this.options.loadTimeoutMs, () => new Unavailable('The registry does not answer; try again shortly.', { retryAfterSeconds: 1 }));
    } catch (error) {
      if (!(fromServerFault(error) instanceof Unavailable)) throw error;
      this.registryFailed(error);
      const last = this.cache.get(id);
      if (last === undefined) throw unreadable();
      this.staleHits++;
      return last.route;
    }
    this.registryAnswered();
    if (epoch === this.epoch) {
      if (route) {
        this.remember(id, route);
        void this.writeShared(id, route);
      } else {
        this.cache.delete(id);
        this.unknown.set(id, true);
      }
    }
    return route;
  }

  private remember(id: string, route: TenantRoute): void {
    this.cache.set(id, { route, freshUntil: Date.now() + this.options.ttlMs, generation: this.generation });
  }

  private async readShared(id: string): Promise<TenantRoute | undefined> {
    if (this.shared?.status !== 'ready') return undefined;
    try {
      const text = await this.shared.get(routeKey(id));
      const route = text ? (JSON.parse(text) as Shared).route : undefined;
      return route?.server ? route : undefined; // written by an older data plane (no server): read it again
    } catch {
      return undefined; // Redis trouble: the registry answers
    }
  }

  private async writeShared(id: string, route: TenantRoute): Promise<void> {
    if (this.shared?.status !== 'ready' || this.options.ttlMs === 0) return;
    const entry: Shared = { route };
    await this.shared.set(routeKey(id), JSON.stringify(entry), 'PX', this.options.ttlMs).catch(() => undefined);
  }

  /** `listener` is told whenever what is known of a tenant (its id) or of every tenant (undefined) must be read again. */
  onInvalidate(listener: (id: string | undefined) => void): void {
    this.listeners.push(listener);
  }

  /** A tenant changed: what we know of it is dropped, last known route included. */
  invalidate(id: string): void {
    for (const listener of this.listeners) listener(id);
    this.epoch++;
    this.cache.delete(id);
    this.unknown.delete(id);
    this.loading.delete(id);
  }

  /**
   * Everything is read again: an event channel reconnected, and what it missed while away
   * is unknown. Routes are kept only as last known ones, for when the registry cannot be read.
   */
  clear(): void {
    for (const listener of this.listeners) listener(undefined);
    this.epoch++;
    this.generation++;
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

function unreadable(): Unavailable {
  return new Unavailable('The registry cannot be read right now and this tenant is not known here yet; try again shortly.', { retryAfterSeconds: 1 });
}
