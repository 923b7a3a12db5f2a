import { Kysely, sql } from 'kysely';
import { SHARED_TENANTS_DATABASE, tenantSchemaName } from '@kryonix/domain';
import { DatabaseConnector } from '@kryonix/platform';

export interface TenantUsage {
  tenant: string;
  storageBytes: number;
  connections: number;
  longestQuerySeconds: number;
}

export interface TenantRef {
  id: string;
  mode: 'database' | 'schema';
  databaseName: string;
  roleName: string;
  schemas: string[];
}

/** What usage is read by, of a tenant as the registry has it. */
export function usageRef(t: { id: string; mode: 'database' | 'schema'; databaseName: string; roleName: string; modules: readonly string[] }): TenantRef {
  return { id: t.id, mode: t.mode, databaseName: t.databaseName, roleName: t.roleName, schemas: t.modules.map((m) => tenantSchemaName(t.id, t.mode, m)) };
}

/** Reads per-tenant usage from PostgreSQL's catalogs: storage, open connections, longest running query. */
export class TenantMetricsRepository {
  /** Usage of `tenants`, all on `server` (its admin connection for the server-wide catalogs, its connector for the shared database). */
  async usage(server: { admin: Kysely<unknown>; connector: DatabaseConnector }, tenants: readonly TenantRef[]): Promise<TenantUsage[]> {
    const { admin } = server;
    if (tenants.length === 0) return [];
    const roles = tenants.map((t) => t.roleName);
    const activity = await sql<{ usename: string; connections: number; longest: number | null }>`
      SELECT usename, count(*)::int AS connections,
             max(extract(epoch FROM now() - query_start)) FILTER (WHERE state = 'active') AS longest
      FROM pg_catalog.pg_stat_activity WHERE usename = ANY(${roles}::text[]) GROUP BY usename`.execute(admin);
    const byRole = new Map(activity.rows.map((r) => [r.usename, r]));

    const dbTenants = tenants.filter((t) => t.mode === 'database');
    const dbSizes = dbTenants.length
      ? await sql<{ datname: string; bytes: string }>`
          SELECT datname, pg_database_size(oid)::text AS bytes FROM pg_catalog.pg_database
          WHERE datname = ANY(${dbTenants.map((t) => t.databaseName)}::text[])`.execute(admin)
      : { rows: [] };
    const bytesByDb = new Map(dbSizes.rows.map((r) => [r.datname, Number(r.bytes)]));

    const schemaTenants = tenants.filter((t) => t.mode === 'schema');
    const bytesBySchema = new Map<string, number>();
    if (schemaTenants.length) {
      const { rows } = await sql<{ nspname: string; bytes: string }>`
        SELECT n.nspname, coalesce(sum(pg_total_relation_size(c.oid)), 0)::text AS bytes
        FROM pg_catalog.pg_namespace n LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'p', 'm')
        WHERE n.nspname = ANY(${schemaTenants.flatMap((t) => t.schemas)}::text[]) GROUP BY n.nspname`.execute(server.connector.db(SHARED_TENANTS_DATABASE));
      for (const r of rows) bytesBySchema.set(r.nspname, Number(r.bytes));
    }

    return tenants.map((t) => {
      const a = byRole.get(t.roleName);
      return {
        tenant: t.id,
        storageBytes: t.mode === 'database' ? (bytesByDb.get(t.databaseName) ?? 0) : t.schemas.reduce((sum, s) => sum + (bytesBySchema.get(s) ?? 0), 0),
        connections: a?.connections ?? 0,
        longestQuerySeconds: Number(a?.longest ?? 0),
      };
    });
  }
}
