import { Kysely, Selectable, sql } from 'kysely';
import { ServerExists, ServerState } from '@kryonix/domain';
import { RegistryDatabase, ServersTable } from './database';

/** A PostgreSQL server as the registry keeps it; its URLs stay encrypted (SecretBox, context `server:<name>`). */
export interface ServerRecord {
  name: string;
  /** Encrypted admin URL; null for `default`, whose URL is the process's own (KRYONIX_DATABASE_URL or the embedded one). */
  adminUrlEnc: string | null;
  /** Encrypted URL other servers' subscriptions use to reach this one (a private address); null: the admin URL's host. */
  replicationUrlEnc: string | null;
  state: ServerState;
  maxTenants: number | null;
  maxStorageBytes: number | null;
  tags: Record<string, string>;
  /** Whether tenants may be moved to and from it (checked at `server add` unless `--no-moves`). */
  moves: boolean;
  pgVersionNum: number | null;
  lastSeenAt: Date | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewServer = Pick<ServerRecord, 'name' | 'adminUrlEnc' | 'replicationUrlEnc' | 'maxTenants' | 'maxStorageBytes' | 'tags' | 'moves' | 'pgVersionNum'>;

/** How many tenants (not purged) each server holds. */
export interface ServerLoad {
  tenants: number;
}

const TABLE = 'tenant_management.servers' as const;

export class ServerRecordRepository {
  constructor(private readonly db: Kysely<RegistryDatabase>) {}

  async insert(server: NewServer): Promise<ServerRecord> {
    try {
      const row = await this.db
        .insertInto(TABLE)
        .values({
          name: server.name,
          state: 'active',
          admin_url_enc: server.adminUrlEnc,
          replication_url_enc: server.replicationUrlEnc,
          max_tenants: server.maxTenants,
          max_storage_bytes: server.maxStorageBytes,
          tags: JSON.stringify(server.tags),
          moves: server.moves,
          pg_version_num: server.pgVersionNum,
          last_seen_at: sql<Date>`now()`,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRecord(row);
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new ServerExists(server.name);
      throw error;
    }
  }

  async findByName(name: string): Promise<ServerRecord | undefined> {
    const row = await this.db.selectFrom(TABLE).selectAll().where('name', '=', name).executeTakeFirst();
    return row && toRecord(row);
  }

  async list(): Promise<ServerRecord[]> {
    return (await this.db.selectFrom(TABLE).selectAll().orderBy('name').execute()).map(toRecord);
  }

  async setState(name: string, state: ServerState): Promise<void> {
    await this.db.updateTable(TABLE).set({ state, updated_at: sql<Date>`now()` }).where('name', '=', name).execute();
  }

  /** What a check of the server found: its version, or why it could not be reached. */
  async recordSeen(name: string, seen: { pgVersionNum: number } | { error: string }): Promise<void> {
    await this.db
      .updateTable(TABLE)
      .set('pgVersionNum' in seen ? { pg_version_num: seen.pgVersionNum, last_seen_at: sql<Date>`now()`, last_error: null } : { last_error: seen.error.slice(0, 500) })
      .where('name', '=', name)
      .execute();
  }

  /** Removes a server; false when tenants still point at it (the foreign key refuses). */
  async delete(name: string): Promise<boolean> {
    try {
      return ((await this.db.deleteFrom(TABLE).where('name', '=', name).executeTakeFirst()).numDeletedRows ?? 0n) > 0n;
    } catch (error) {
      if ((error as { code?: string }).code === '23503') return false;
      throw error;
    }
  }

  /**
   * Tenants on server `name` now, counted under a transaction-level lock of that server's
   * placement: run in the transaction that inserts a tenant there, two creates never both
   * take its last place (the second counts the first's row once it has committed).
   */
  async countForPlacement(name: string): Promise<number> {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`kryonix:placement:${name}`}))`.execute(this.db);
    const row = await this.db.selectFrom('tenant_management.clientes').select((eb) => eb.fn.countAll<string>().as('n')).where('server_name', '=', name).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** server → tenants on it (every status but purged rows, which are gone). */
  async tenantCounts(): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('tenant_management.clientes')
      .select(['server_name', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy('server_name')
      .execute();
    return new Map(rows.map((r) => [r.server_name, Number(r.n)]));
  }
}

function toRecord(r: Selectable<ServersTable>): ServerRecord {
  return {
    name: r.name,
    adminUrlEnc: r.admin_url_enc,
    replicationUrlEnc: r.replication_url_enc,
    state: r.state,
    maxTenants: r.max_tenants,
    maxStorageBytes: r.max_storage_bytes === null ? null : Number(r.max_storage_bytes),
    tags: r.tags,
    moves: r.moves,
    pgVersionNum: r.pg_version_num,
    lastSeenAt: r.last_seen_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
