import { Kysely, sql } from 'kysely';
import { DEFAULT_SERVER, IsolationMode, TenantAlreadyExists, TenantStatus } from '@kryonix/domain';
import { RegistryDatabase } from './database';

export interface TenantRecord {
  id: string;
  name: string;
  databaseName: string;
  subdomain: string;
  modules: string[];
  mode: IsolationMode;
  status: TenantStatus;
  roleName: string;
  rolePasswordEnc: string | null;
  createdAt: Date;
  updatedAt: Date;
  suspendedAt: Date | null;
  deletedAt: Date | null;
  purgeAfter: Date | null;
  /** Data-plane requests per minute; null = the default. */
  rateLimitPerMinute: number | null;
  /** The PostgreSQL server it lives on (`default`: the registry's own). */
  serverName: string;
}

export type NewTenant = Omit<TenantRecord, 'createdAt' | 'updatedAt' | 'status' | 'suspendedAt' | 'deletedAt' | 'purgeAfter' | 'rateLimitPerMinute' | 'serverName'> & { serverName?: string };

export interface TenantFilter {
  status?: TenantStatus;
  module?: string;
  mode?: IsolationMode;
  /** The tenants on this server only. */
  server?: string;
  /** Ids starting with it, or names containing it (case-insensitive). */
  search?: string;
  /** Keyset pagination: ids after this one. */
  after?: string;
  limit?: number;
}

const COLUMNS = [
  'id',
  'nome',
  'database_name',
  'subdomain',
  'modulos_contratados',
  'isolation_mode',
  'status',
  'role_name',
  'role_password_enc',
  'created_at',
  'updated_at',
  'suspended_at',
  'deleted_at',
  'purge_after',
  'rate_limit_per_minute',
  'server_name',
] as const;

export class TenantRepository {
  constructor(private readonly db: Kysely<RegistryDatabase>) {}

  /** Claims the id: inserts the tenant in status 'provisioning'. */
  async insertProvisioning(tenant: NewTenant): Promise<void> {
    try {
      await this.db
        .insertInto('tenant_management.clientes')
        .values({
          id: tenant.id,
          nome: tenant.name,
          database_name: tenant.databaseName,
          subdomain: tenant.subdomain,
          modulos_contratados: JSON.stringify(tenant.modules),
          isolation_mode: tenant.mode,
          status: 'provisioning',
          role_name: tenant.roleName,
          role_password_enc: tenant.rolePasswordEnc,
          server_name: tenant.serverName ?? DEFAULT_SERVER,
        })
        .execute();
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new TenantAlreadyExists(tenant.id);
      throw error;
    }
  }

  async findById(id: string): Promise<TenantRecord | undefined> {
    const row = await this.db.selectFrom('tenant_management.clientes').select(COLUMNS).where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  async list(filter: TenantFilter = {}): Promise<TenantRecord[]> {
    let query = this.db.selectFrom('tenant_management.clientes').select(COLUMNS).orderBy('id');
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.module) query = query.where(sql<boolean>`modulos_contratados ? ${filter.module}`);
    if (filter.mode) query = query.where('isolation_mode', '=', filter.mode);
    if (filter.server) query = query.where('server_name', '=', filter.server);
    if (filter.search) {
      const text = likeEscaped(filter.search);
      query = query.where((eb) => eb.or([eb('id', 'like', `${text.toLowerCase()}%`), eb('nome', 'ilike', `%${text}%`)]));
    }
    if (filter.after) query = query.where('id', '>', filter.after);
    if (filter.limit) query = query.limit(filter.limit);
    return (await query.execute()).map(toRecord);
  }

  async setStatus(id: string, status: TenantStatus): Promise<void> {
    await this.db
      .updateTable('tenant_management.clientes')
      .set({
        status,
        updated_at: sql<Date>`now()`,
        suspended_at: status === 'suspended' ? sql<Date>`now()` : null,
      })
      .where('id', '=', id)
      .execute();
  }

  /** Soft delete: the tenant is refused everywhere and purged after `graceMs`. */
  /**
   * A deleted tenant whose grace period is not over back to the status it had before
   * (active or suspended); undefined when it is not deleting or its purge is due.
   */
  async undelete(id: string): Promise<'active' | 'suspended' | undefined> {
    const row = await this.db
      .updateTable('tenant_management.clientes')
      .set({ status: sql`coalesce(status_before_delete, 'active')`, status_before_delete: null, deleted_at: null, purge_after: null, updated_at: sql<Date>`now()` })
      .where('id', '=', id)
      .where('status', '=', 'deleting')
      .where('purge_after', '>', sql<Date>`now()`)
      .returning('status')
      .executeTakeFirst();
    return row?.status as 'active' | 'suspended' | undefined;
  }

  async markDeleting(id: string, graceMs: number): Promise<Date> {
    const row = await this.db
      .updateTable('tenant_management.clientes')
      .set({
        status: 'deleting',
        // what undelete brings back (a second delete keeps the first one's)
        status_before_delete: sql<'active' | 'suspended'>`CASE WHEN status = 'deleting' THEN status_before_delete ELSE status END`,
        updated_at: sql<Date>`now()`,
        deleted_at: sql<Date>`now()`,
        purge_after: sql<Date>`now() + make_interval(secs => ${graceMs / 1000})`,
      })
      .where('id', '=', id)
      .returning('purge_after')
      .executeTakeFirstOrThrow();
    return row.purge_after as Date;
  }

  /** Tenants in 'deleting' whose grace period is over. */
  async dueForPurge(now = new Date()): Promise<string[]> {
    const rows = await this.db
      .selectFrom('tenant_management.clientes')
      .select('id')
      .where('status', '=', 'deleting')
      .where('purge_after', '<=', now)
      .orderBy('purge_after')
      .execute();
    return rows.map((r) => r.id);
  }

  async setRolePassword(id: string, rolePasswordEnc: string): Promise<void> {
    await this.db
      .updateTable('tenant_management.clientes')
      .set({ role_password_enc: rolePasswordEnc, updated_at: sql<Date>`now()` })
      .where('id', '=', id)
      .execute();
  }

  /** The server the tenant lives on (a move's cut-over). */
  async setServer(id: string, server: string): Promise<void> {
    await this.db.updateTable('tenant_management.clientes').set({ server_name: server, updated_at: sql<Date>`now()` }).where('id', '=', id).execute();
  }

  async setRateLimit(id: string, perMinute: number | null): Promise<void> {
    await this.db.updateTable('tenant_management.clientes').set({ rate_limit_per_minute: perMinute, updated_at: sql<Date>`now()` }).where('id', '=', id).execute();
  }

  async setModules(id: string, modules: readonly string[]): Promise<void> {
    await this.db
      .updateTable('tenant_management.clientes')
      .set({ modulos_contratados: JSON.stringify(modules), updated_at: sql<Date>`now()` })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('tenant_management.clientes').where('id', '=', id).execute();
  }
}

type Row = {
  id: string;
  nome: string;
  database_name: string;
  subdomain: string;
  modulos_contratados: string[];
  isolation_mode: IsolationMode;
  status: TenantStatus;
  role_name: string;
  role_password_enc: string | null;
  created_at: Date;
  updated_at: Date;
  suspended_at: Date | null;
  deleted_at: Date | null;
  purge_after: Date | null;
  rate_limit_per_minute: number | null;
  server_name: string;
};

function toRecord(row: Row): TenantRecord {
  return {
    id: row.id,
    name: row.nome,
    databaseName: row.database_name,
    subdomain: row.subdomain,
    modules: row.modulos_contratados,
    mode: row.isolation_mode,
    status: row.status,
    roleName: row.role_name,
    rolePasswordEnc: row.role_password_enc,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    suspendedAt: row.suspended_at,
    deletedAt: row.deleted_at,
    purgeAfter: row.purge_after,
    rateLimitPerMinute: row.rate_limit_per_minute,
    serverName: row.server_name,
  };
}

/** `text` as a LIKE pattern that matches itself only (%, _ and the escape character escaped). */
function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
