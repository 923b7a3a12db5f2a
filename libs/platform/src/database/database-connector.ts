import { Kysely, PostgresDialect } from 'kysely';
import { Pool, PoolConfig } from 'pg';
import type { OnApplicationShutdown } from '@nestjs/common';

/**
 * Connections to the databases of one PostgreSQL server, all made from the
 * admin URL with the database name swapped. One small pool per database,
 * created on first use and closed by close().
 */
export class DatabaseConnector implements OnApplicationShutdown {
  private readonly pools = new Map<string, Kysely<unknown>>();

  constructor(
    private readonly adminUrl: string,
    private readonly poolSize = 10,
  ) {}

  poolConfig(database: string, overrides: PoolConfig = {}): PoolConfig {
    const url = new URL(this.adminUrl);
    url.pathname = `/${encodeURIComponent(database)}`;
    return { connectionString: url.toString(), application_name: 'kryonix', ...overrides };
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

  /** Closes the pool of one database (so it can be dropped or used as a template). */
  async release(database: string): Promise<void> {
    const db = this.pools.get(database);
    this.pools.delete(database);
    await db?.destroy();
  }

  private kysely(database: string, config: PoolConfig): Kysely<unknown> {
    const pool = new Pool(this.poolConfig(database, config));
    // An idle connection closed by the server (restart, DROP DATABASE … FORCE,
    // pg_terminate_backend) is discarded by the pool; without a listener the
    // 'error' event would crash the process.
    pool.on('error', () => undefined);
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
