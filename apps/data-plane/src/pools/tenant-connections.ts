import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DEFAULT_SERVER, Unavailable } from '@kryonix/domain';
import { OutageLog } from '@kryonix/platform';
import type { TenantRoute } from '@kryonix/routes';
import { type ServerGateway, ServerGateways } from './server-gateways';
import { CONNECTION_OPTIONS, type ConnectionOptions, ServerPools } from './server-pools';
import { capFromLimits, readServerLimits } from './server-limits.repository';
import { touch } from './session.repository';
import type { TenantQueryable } from './tenant-session';

export { CONNECTION_OPTIONS, type ConnectionOptions } from './server-pools';

/** How often a server in use is looked up again in the registry (removed, or registered again under its name with another URL). */
const RECHECK_MS = 30_000;
/** Connections a move's target is readied with while the tenant's requests are held. */
const WARM_CONNECTIONS = 4;

interface Served {
  pools: ServerPools;
  gateway: ServerGateway;
  checkAfter: number;
}

/**
 * Tenant connections on every registered server: each server has its own pools and its own
 * budget (KRYONIX_MAX_CONNECTIONS per server, or what its max_connections allows; see ServerPools), so a server that is down or
 * busy costs only its own tenants. A server is opened when the first of its tenants is
 * served (ServerGateways: its URL, the gateway's password there); until that works, its
 * tenants get 503 and the next request tries again. The route carries the server's name:
 * finding its pools is one Map lookup, no registry read.
 */
@Injectable()
export class TenantConnections implements OnModuleDestroy {
  private readonly logger = new Logger('connections');
  private readonly servers = new Map<string, Served>();
  private readonly opening = new Map<string, Promise<Served>>();
  /** One outage line per server, however its faults are seen (setting up, connecting, a broken connection). */
  private readonly outages = new Map<string, OutageLog>();

  constructor(
    @Inject(CONNECTION_OPTIONS) private readonly options: ConnectionOptions,
    private readonly gateways: ServerGateways,
  ) {
    // with a fixed cap, the default server's pools exist from the start; else they are made once its max_connections is read
    if (options.maxConnections !== undefined) this.add(gateways.defaultGateway(), Infinity, options.maxConnections);
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.servers.values()].map((s) => s.pools.end()));
    this.servers.clear();
  }

  /** Runs `fn` on a connection of the tenant's server acting as the tenant (its role; the search path is never a tenant's: GATEWAY_SEARCH_PATH). */
  withTenant<R>(route: TenantRoute, fn: (session: TenantQueryable) => Promise<R>): Promise<R> {
    const served = this.servers.get(route.server);
    if (served === undefined) return this.open(route.server).then((s) => s.pools.withTenant(route, fn));
    if (served.checkAfter < Date.now()) this.recheck(served);
    return served.pools.withTenant(route, fn);
  }

  /**
   * A move's cut-over began (TenantMoving, naming its target): a few connections to the
   * target opened and switched to the tenant while its requests are held, so that when they
   * are let go they find them ready instead of each opening one. Best effort: what fails
   * here fails again, and is answered, on a request.
   */
  async warm(route: TenantRoute, server: string): Promise<void> {
    const target: TenantRoute = { ...route, server };
    const count = Math.min(WARM_CONNECTIONS, this.options.perTenantPool);
    await Promise.all(Array.from({ length: count }, () => this.withTenant(target, touch).catch(() => undefined)));
  }

  /** Connections held, all servers together. */
  stats() {
    const all = this.byServer();
    const sum = (f: (s: (typeof all)[number]) => number) => all.reduce((n, s) => n + f(s), 0);
    return { pools: sum((s) => s.pools), total: sum((s) => s.total), idle: sum((s) => s.idle), waiting: sum((s) => s.waiting) };
  }

  /** Each server this process has served: its connections, and whether it is reachable as last seen. */
  byServer() {
    return [...this.servers.values()].map(({ pools }) => ({ server: pools.name, up: !pools.outage.down, ...pools.stats() }));
  }

  private open(name: string): Promise<Served> {
    let pending = this.opening.get(name);
    if (!pending) {
      pending = this.gateways
        .open(name, this.outageOf(name))
        .then(async (gateway) => {
          const cap = await this.capOf(gateway);
          return this.servers.get(name) ?? this.add(gateway, name === DEFAULT_SERVER ? Infinity : Date.now() + RECHECK_MS, cap);
        })
        .finally(() => this.opening.delete(name));
      this.opening.set(name, pending);
    }
    return pending;
  }

  /**
   * KRYONIX_MAX_CONNECTIONS when set; else what the server's max_connections leaves after its
   * reserved slots and KRYONIX_RESERVED_CONNECTIONS, shared among KRYONIX_DATA_PLANES. A server
   * that cannot say is a 503 for this request (the next one asks again).
   */
  private async capOf(gateway: ServerGateway): Promise<number> {
    if (this.options.maxConnections !== undefined) return this.options.maxConnections;
    const outage = this.outageOf(gateway.name);
    try {
      const limits = await readServerLimits(gateway.urlFor, this.options.acquireTimeoutMs);
      const cap = capFromLimits(limits, this.options.cap.reservedForOthers, this.options.cap.dataPlanes);
      this.logger.log(`PostgreSQL server "${gateway.name}": max_connections ${limits.maxConnections}, ${limits.reservedSlots} reserved there: up to ${cap} connections from this data plane.`);
      return cap;
    } catch (error) {
      outage.failed(error);
      throw new Unavailable('The tenant\'s database server cannot be used right now; try again shortly.', { retryAfterSeconds: 1 });
    }
  }

  private add(gateway: ServerGateway, checkAfter: number, cap: number): Served {
    const served: Served = { gateway, checkAfter, pools: new ServerPools(gateway.name, gateway.urlFor, this.options, this.outageOf(gateway.name), cap) };
    this.servers.set(gateway.name, served);
    return served;
  }

  /** In the background: a server registered again with another URL gets new pools; one removed loses its own. */
  private recheck(served: Served): void {
    served.checkAfter = Date.now() + RECHECK_MS;
    void this.gateways.current(served.gateway).then((current) => {
      if (current || this.servers.get(served.gateway.name) !== served) return;
      this.servers.delete(served.gateway.name);
      served.pools.end().catch(() => undefined);
    });
  }

  private outageOf(name: string): OutageLog {
    let outage = this.outages.get(name);
    if (!outage) {
      outage = new OutageLog(this.logger, `PostgreSQL server "${name}" (tenant connections)`);
      this.outages.set(name, outage);
    }
    return outage;
  }
}
