import { Kysely, PostgresDialect } from 'kysely';
import { Client, Pool, PoolConfig } from 'pg';
import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { isServerAway } from '@kryonix/domain';
import { OutageLog } from '../outage-log';

export interface ConnectorOptions {
  /** Connections of each database's pool. */
  poolSize?: number;
  /** How long opening a connection may take before it fails (a silent server): KRYONIX_ACQUIRE_TIMEOUT_MS. */
  connectTimeoutMs?: number;
}

/**
 * Connections to the databases of one PostgreSQL server, all made from the
 * admin URL with the database name swapped. One small pool per database,
 * created on first use and closed by close().
 */
export class DatabaseConnector implements OnApplicationShutdown {
  private readonly pools = new Map<string, Kysely<unknown>>();
  private readonly poolSize: number;
  /** One warning when the server goes away, one line when it is back. */
  readonly outage = new OutageLog(new Logger('database'), 'PostgreSQL');

  constructor(
    private readonly adminUrl: string,
    private readonly options: ConnectorOptions = {},
  ) {
    this.poolSize = options.poolSize ?? 10;
  }

  poolConfig(database: string, overrides: PoolConfig = {}): PoolConfig {
    const url = new URL(this.adminUrl);
    url.pathname = `/${encodeURIComponent(database)}`;
    return {
      connectionString: url.toString(),
      application_name: 'kryonix',
      // A server that stops answering (network cut, paused) is noticed, not waited on forever.
      keepAlive: true,
      ...(this.options.connectTimeoutMs ? { connectionTimeoutMillis: this.options.connectTimeoutMs } : {}),
      ...overrides,
    };
  }

  /** A Kysely bound to a pooled connection set for `database`. */
  db<T = unknown>(database: string): Kysely<T> {
    let db = this.pools.get(database);
    if (!db) {
      db = this.kysely(database, { max: this.poolSize, idleTimeoutMillis: 10_000 });
      this.pools.set(database, db);
    }
    return db as Kysely<T>;
  }

  /** Runs `fn` on a short-lived single connection to `database` (used for databases about to be created or dropped). */
  async once<R>(database: string, fn: (db: Kysely<unknown>) => Promise<R>): Promise<R> {
    const db = this.kysely(database, { max: 1 });
    try {
      return await fn(db);
    } finally {
      await db.destroy();
    }
  }

  /**
   * Runs `fn` on a plain client of its own to `database` (the admin role), for what a
   * pool cannot carry: a long snapshot transaction, COPY streams. Closed afterwards.
   */
  async session<R>(database: string, fn: (client: Client) => Promise<R>): Promise<R> {
    const client = new Client(this.poolConfig(database));
    const broke = (error: unknown) => {
      if (isServerAway(error)) this.outage.failed(error);
    };
    client.on('error', broke); // the statement under way fails with the error; the process goes on
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Closes the pool of one database (so it can be dropped or used as a template). */
  async release(database: string): Promise<void> {
    const db = this.pools.get(database);
    this.pools.delete(database);
    await db?.destroy();
  }

  private kysely(database: string, config: PoolConfig): Kysely<unknown> {
    const pool = new Pool(this.poolConfig(database, config));
    watchPool(pool, this.outage);
    return new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  }

  /** Nest closes it last, once every other provider has finished (e.g. warm spares still being made). */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((db) => db.destroy()));
  }
}

/**
 * No connection error may end the process. A connection closed by the server (restart,
 * DROP DATABASE … FORCE, pg_terminate_backend, a network cut) emits 'error' on its
 * client: an idle one's reaches the pool (which drops it), but a checked-out one's has
 * no listener of pg's own, and an unheard 'error' event crashes Node. So every client
 * gets one for its whole life; the query under way fails with the error, the pool
 * discards the broken client on release and opens a fresh one on the next acquire.
 */
export function watchPool(pool: Pool, outage: OutageLog): void {
  const broke = (error: unknown) => {
    if (isServerAway(error)) outage.failed(error);
  };
  pool.on('error', broke);
  pool.on('connect', (client) => {
    outage.ok();
    client.on('error', broke);
  });
}
