import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { OutageLog } from '@kryonix/platform';
import type { TenantRoute } from '@kryonix/routes';
import { type ServerGateway, ServerGateways } from './server-gateways';
import { CONNECTION_OPTIONS, type ConnectionOptions, ServerPools } from './server-pools';

export { CONNECTION_OPTIONS, type ConnectionOptions } from './server-pools';

/** How often a server in use is looked up again in the registry (removed, or registered again under its name with another URL). */
const RECHECK_MS = 30_000;

interface Served {
  pools: ServerPools;
  gateway: ServerGateway;
  checkAfter: number;
}

/**
 * Tenant connections on every registered server: each server has its own pools and its own
 * budget (KRYONIX_MAX_CONNECTIONS per server, see ServerPools), so a server that is down or
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
    this.add(gateways.defaultGateway(), Infinity);
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.servers.values()].map((s) => s.pools.end()));
    this.servers.clear();
  }

  /** Runs `fn` on a connection of the tenant's server acting as the tenant (its role, its schemas first on the search path). */
  withTenant<R>(route: TenantRoute, fn: (client: PoolClient) => Promise<R>): Promise<R> {
    const served = this.servers.get(route.server);
    if (served === undefined) return this.open(route.server).then((s) => s.pools.withTenant(route, fn));
    if (served.checkAfter < Date.now()) this.recheck(served);
    return served.pools.withTenant(route, fn);
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
        .then((gateway) => this.servers.get(name) ?? this.add(gateway, Date.now() + RECHECK_MS))
        .finally(() => this.opening.delete(name));
      this.opening.set(name, pending);
    }
    return pending;
  }

  private add(gateway: ServerGateway, checkAfter: number): Served {
    const served: Served = { gateway, checkAfter, pools: new ServerPools(gateway.name, gateway.urlFor, this.options, this.outageOf(gateway.name)) };
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
