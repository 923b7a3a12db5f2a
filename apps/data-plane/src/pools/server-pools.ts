import { Pool, PoolClient, types } from 'pg';
import { SHARED_TENANTS_DATABASE, Unavailable, isServerAway } from '@kryonix/domain';
import { type OutageLog, type SessionTimeouts, sessionTimeoutSettings, watchPool, within } from '@kryonix/platform';
import type { TenantRoute } from '@kryonix/routes';
import { AffinitySlots, type Slot } from './affinity-slots';
import { GATEWAY_SEARCH_PATH, actAsStatements } from './session.repository';
import { type TenantQueryable, TenantSession } from './tenant-session';

/** Dates and times go back to the app exactly as stored ("2026-11-22", "14:30:00"), not shifted through a JS Date. */
const RAW_DATES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 1082 || oid === 1083 || oid === 1114 ? (value: string) => value : types.getTypeParser(oid, format)) as typeof types.getTypeParser,
};

export interface ConnectionOptions {
  /** KRYONIX_MAX_CONNECTIONS: connections this process may hold on one server, all its pools together (unset: from the server, see `cap`). */
  maxConnections?: number;
  /** Without maxConnections, each server's cap follows its max_connections: these are left to others and it is shared among the data planes. */
  cap: { reservedForOthers: number; dataPlanes: number };
  /** Connections of one database-mode tenant's pool. */
  perTenantPool: number;
  /** Idle connections (and idle tenant pools) are closed after this. */
  idleMs: number;
  /** How long a request may wait for a connection before 503. */
  acquireTimeoutMs: number;
  /** application_name of every connection: tells data-plane processes apart in pg_stat_activity. */
  applicationName: string;
  /**
   * statement_timeout, lock_timeout and idle_in_transaction_session_timeout (ms, 0 = none)
   * of tenant work. Sent in each connection's startup packet: session settings outlive
   * every later SET ROLE, so they hold for every tenant the connection serves, at no
   * round trip at all (ALTER ROLE … SET would reach only the tenant's own logins).
   */
  timeouts: SessionTimeouts;
}
export const CONNECTION_OPTIONS = Symbol('CONNECTION_OPTIONS');

/** How long a schema-mode request waits for one of its tenant's home connections before any free one serves it (AffinitySlots). */
const STEAL_AFTER_MS = 5;

/** Where one server's pools log in: the gateway's URL for a database there (a secret: never logged). */
export type GatewayUrl = (database: string) => string;

interface TenantPool {
  database: string;
  pool: Pool;
  lastUsed: number;
  /** Requests that chose this pool and have not got a connection yet: it must not be closed under them. */
  pending: number;
}

/**
 * The pools of one PostgreSQL server, under one budget of connections to it however many
 * of its tenants are served:
 *  - schema mode: one shared pool on the server's kryonix_tenants, its connections handed
 *    out by AffinitySlots (each tenant has two home connections, so each backend serves a
 *    bounded share of the fleet and mostly finds its tenant already set);
 *  - database mode: a small pool per tenant database, kept in LRU order; when the
 *    budget is used up, the least recently used idle pool is closed; when none is
 *    idle, the request waits (bounded) for one.
 * The pools' `max` always sum to at most maxConnections.
 * Each connection is the gateway role; a tenant's request prefers an idle connection that
 * already carries it (affinity), else its first statement goes out behind the switch (SET
 * ROLE) in one round trip. The search path is the same on every connection, for every tenant
 * (GATEWAY_SEARCH_PATH): statements name their schemas.
 */
export class ServerPools {
  /** The shared schema-mode pool: a one-connection pg.Pool per slot, the slots handed out by `slots`. */
  private readonly shared: Pool[];
  private readonly slots: AffinitySlots;
  private readonly sharedMax: number;
  private readonly pools = new Map<string, TenantPool>(); // insertion order = LRU order
  private readonly carries = new WeakMap<PoolClient, string>();
  private readonly waiters: Array<() => void> = [];
  /** Server connections each pool has opened that the server has not closed yet (pg.Pool forgets them before they are gone). */
  private readonly open = new Map<Pool, number>();
  /** Acquisitions under way that may open a new server connection (not yet counted in `open`). */
  private starting = 0;
  /** Requests whose connection had to be switched to their tenant (the others found one carrying it). */
  private switches = 0;

  constructor(
    /** The server's registered name. */
    readonly name: string,
    private readonly urlFor: GatewayUrl,
    private readonly options: ConnectionOptions,
    /** One warning when this server goes away, one line when it is back. */
    readonly outage: OutageLog,
    /** Connections this process may hold on this server, all its pools together. */
    readonly maxConnections: number,
  ) {
    // The shared pool gets a quarter of the budget (at least 2); tenant pools share the rest.
    this.sharedMax = Math.max(2, Math.floor(maxConnections / 4));
    this.slots = new AffinitySlots(this.sharedMax, {
      stealAfterMs: STEAL_AFTER_MS,
      acquireTimeoutMs: options.acquireTimeoutMs,
      carries: (slot) => (slot.client === undefined ? undefined : this.carries.get(slot.client as PoolClient)),
      busy,
    });
    this.shared = this.slots.slots.map((slot) => {
      const pool = this.makePool(SHARED_TENANTS_DATABASE, 1);
      pool.on('remove', () => {
        slot.client = undefined;
        slot.served.clear();
      });
      return pool;
    });
  }

  async end(): Promise<void> {
    await Promise.all([...this.shared, ...[...this.pools.values()].map((p) => p.pool)].map((p) => p.end()));
  }

  /**
   * Runs `fn` on a connection acting as the tenant (its role; the search path is never a
   * tenant's, see GATEWAY_SEARCH_PATH). A connection that does not carry the tenant is
   * switched in the round trip of `fn`'s first statement (TenantSession); until that has
   * worked, it is known to carry nobody, so any later use switches it again.
   */
  async withTenant<R>(route: TenantRoute, fn: (session: TenantQueryable) => Promise<R>): Promise<R> {
    let client: PoolClient;
    let slot: Slot | undefined;
    if (route.mode === 'schema') {
      slot = await this.slots.reserve(route.id);
      try {
        client = await this.acquire(this.shared[slot.index]!, 1, route.id);
      } catch (error) {
        this.slots.release(slot);
        throw error;
      }
      if (slot.client !== client) slot.served.clear(); // a new backend: nothing of any tenant loaded yet
      slot.client = client;
      slot.served.add(route.id);
    } else {
      const entry = await this.tenantPool(route.database);
      try {
        client = await this.acquire(entry.pool, this.options.perTenantPool, route.id);
      } finally {
        entry.pending--;
      }
    }
    let broken = false;
    try {
      let preamble: readonly string[] | undefined;
      if (this.carries.get(client) !== route.id) {
        this.carries.delete(client);
        this.switches++;
        preamble = actAsStatements(route.role);
      }
      return await fn(new TenantSession(client, preamble, () => this.carries.set(client, route.id)));
    } catch (error) {
      // A connection whose state we are not sure of (or whose server went away) is not reused.
      broken = !(error as { code?: string }).code || isServerAway(error);
      throw error;
    } finally {
      if (broken) {
        // Closed before the pool forgets it: the pool would otherwise open its successor while it still counts on the server.
        await closeBroken(client);
        client.release(true);
      } else client.release();
      if (slot) this.slots.release(slot);
    }
  }

  stats() {
    const tenantPools = [...this.pools.values()].map((p) => p.pool);
    const sum = (f: (p: Pool) => number) => [...this.shared, ...tenantPools].reduce((n, p) => n + f(p), 0);
    return {
      cap: this.maxConnections,
      switches: this.switches,
      steals: this.slots.steals,
      pools: tenantPools.length + 1,
      total: sum((p) => p.totalCount),
      idle: sum((p) => p.idleCount),
      waiting: sum((p) => p.waitingCount) + this.slots.waitingCount,
    };
  }

  /**
   * A connection of `pool` (at most `max`). When that means opening a new server
   * connection, it waits until this process's open ones (counting those pg.Pool has
   * already forgotten but the server still has, and other openings under way) leave
   * room under the budget: the pools' maxima alone do not see a closing connection.
   */
  private async acquire(pool: Pool, max: number, tenant: string): Promise<PoolClient> {
    const deadline = Date.now() + this.options.acquireTimeoutMs;
    while (pool.idleCount === 0 && pool.totalCount < max && this.serverConnections() >= this.maxConnections) {
      if (Date.now() > deadline) throw busy();
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 5).unref();
      });
    }
    const opens = pool.idleCount === 0 && pool.totalCount < max;
    if (opens) this.starting++;
    else this.preferCarrier(pool, tenant);
    try {
      return await pool.connect();
    } catch (error) {
      if (isServerAway(error)) this.outage.failed(error);
      // pg.Pool's connectionTimeoutMillis: no free connection in time, or a server that does not answer.
      if (/timeout/i.test((error as Error).message)) {
        throw new Unavailable(`No database connection within ${this.options.acquireTimeoutMs} ms (all busy, or the server does not answer); try again.`, { retryAfterSeconds: 1 });
      }
      throw error;
    } finally {
      if (opens) this.starting--;
    }
  }

  /**
   * Affinity: an idle connection already carrying `tenant` is put where pg.Pool takes the
   * next one from (the end of its idle list), so that request needs no switch; when none
   * does, the one idle longest (whose tenant has not been back for the longest) is, rather
   * than the one just released (most likely a tenant that is busy now). A preference only
   * (what a connection carries is checked again at use): if pg.Pool's list is not there or
   * another request takes that connection first, any idle one serves.
   */
  private preferCarrier(pool: Pool, tenant: string): void {
    const idle = (pool as unknown as { _idle?: Array<{ client: PoolClient }> })._idle;
    if (!Array.isArray(idle) || idle.length < 2 || this.carries.get(idle[idle.length - 1]!.client) === tenant) return;
    let pick = 0;
    for (let i = idle.length - 2; i >= 0; i--) {
      if (this.carries.get(idle[i]!.client) === tenant) {
        pick = i;
        break;
      }
    }
    idle.push(idle.splice(pick, 1)[0]!);
  }

  private serverConnections(): number {
    let n = this.starting;
    for (const count of this.open.values()) n += count;
    return n;
  }

  /** The pool of a database-mode tenant (marked pending for the caller), making room in the budget when needed. */
  private async tenantPool(database: string): Promise<TenantPool> {
    const deadline = Date.now() + this.options.acquireTimeoutMs;
    for (;;) {
      const existing = this.pools.get(database);
      if (existing) {
        this.pools.delete(database);
        this.pools.set(database, existing); // most recently used last
        existing.lastUsed = Date.now();
        existing.pending++;
        return existing;
      }
      if (this.pools.size < this.maxTenantPools()) {
        const entry: TenantPool = { database, pool: this.makePool(database, this.options.perTenantPool), lastUsed: Date.now(), pending: 1 };
        this.pools.set(database, entry);
        return entry;
      }
      // Room was made: look again (another request may have opened this database's pool meanwhile).
      if (await this.evictIdle()) continue;
      if (Date.now() > deadline) throw busy();
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 25).unref();
      });
    }
  }

  private maxTenantPools(): number {
    return Math.max(1, Math.floor((this.maxConnections - this.sharedMax) / this.options.perTenantPool));
  }

  /** Closes the least recently used pool that nobody is using. */
  private async evictIdle(): Promise<boolean> {
    for (const [database, entry] of this.pools) {
      const p = entry.pool;
      if (entry.pending === 0 && p.waitingCount === 0 && p.idleCount === p.totalCount) {
        this.pools.delete(database); // out of the map first, so nobody picks it while it closes
        await p.end();
        // pool.end() resolves before the sockets close: wait until the server has really let them go, so the budget holds
        while ((this.open.get(p) ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, 1));
        this.open.delete(p);
        return true;
      }
    }
    return false;
  }

  private makePool(database: string, max: number): Pool {
    const { statementMs } = this.options.timeouts;
    const pool = new Pool({
      connectionString: this.urlFor(database),
      max,
      idleTimeoutMillis: this.options.idleMs,
      connectionTimeoutMillis: this.options.acquireTimeoutMs,
      application_name: this.options.applicationName,
      // A server that stops answering mid-query (paused, cut off) would hold the request for
      // ever: the client gives up a little after the server's own statement timeout would have.
      // (a Node timer longer than 2^31-1 ms would fire at once, so it is capped there)
      ...(statementMs > 0 ? { query_timeout: Math.min(statementMs + this.options.acquireTimeoutMs, 2 ** 31 - 1) } : {}),
      options: [...sessionTimeoutSettings(this.options.timeouts), `search_path=${GATEWAY_SEARCH_PATH}`].map((setting) => `-c ${setting}`).join(' '),
      // a server that stops answering mid-query is noticed by TCP, not waited on forever
      keepAlive: true,
      types: RAW_DATES,
    });
    // every client gets an 'error' listener for its whole life: no broken connection ends the process
    watchPool(pool, this.outage);
    pool.on('connect', (client) => {
      this.open.set(pool, (this.open.get(pool) ?? 0) + 1);
      client.once('end', () => {
        this.open.set(pool, (this.open.get(pool) ?? 1) - 1);
        this.waiters.shift()?.();
      });
    });
    pool.on('release', () => this.waiters.shift()?.());
    pool.on('remove', () => this.waiters.shift()?.());
    return pool;
  }
}

/**
 * Ends a connection that cannot be trusted. A polite end waits for the server's goodbye,
 * which a silent server never sends: after a second the socket is simply destroyed.
 */
async function closeBroken(client: PoolClient): Promise<void> {
  const ended = client.end().then(
    () => true,
    () => true,
  );
  const gone = await within(ended, 1_000, () => new Error('no goodbye')).catch(() => false);
  if (!gone) (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

function busy(): Unavailable {
  return new Unavailable('All database connections are busy; try again.', { retryAfterSeconds: 1 });
}
