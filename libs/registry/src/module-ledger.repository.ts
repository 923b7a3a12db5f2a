import { Kysely, sql } from 'kysely';
import { RegistryDatabase } from './database';

export interface AppliedMigration {
  module: string;
  version: number;
  name: string;
  checksum: string;
  durationMs?: number;
}

export interface AppliedMigrationRecord extends AppliedMigration {
  appliedAt: Date;
}

/** Per tenant and module: which migration files were applied, with their checksums. */
export class ModuleLedgerRepository {
  constructor(private readonly db: Kysely<RegistryDatabase>) {}

  async record(tenantId: string, applied: readonly AppliedMigration[]): Promise<void> {
    if (applied.length === 0) return;
    await this.db
      .insertInto('tenant_management.tenant_module_migrations')
      .values(
        applied.map((m) => ({
          cliente_id: tenantId,
          module: m.module,
          version: m.version,
          name: m.name,
          checksum: m.checksum,
          duration_ms: m.durationMs === undefined ? null : m.durationMs.toFixed(3),
        })),
      )
      .onConflict((oc) => oc.columns(['cliente_id', 'module', 'version']).doNothing())
      .execute();
  }

  async listFor(tenantId: string): Promise<AppliedMigrationRecord[]> {
    const rows = await this.db
      .selectFrom('tenant_management.tenant_module_migrations')
      .select(['module', 'version', 'name', 'checksum', 'applied_at', 'duration_ms'])
      .where('cliente_id', '=', tenantId)
      .orderBy('module')
      .orderBy('version')
      .execute();
    return rows.map((r) => ({
      module: r.module,
      version: r.version,
      name: r.name,
      checksum: r.checksum,
      appliedAt: r.applied_at,
      durationMs: r.duration_ms === null ? undefined : Number(r.duration_ms),
    }));
  }

  /** The whole ledger (or that of some tenants) in one query: enough to plan a fleet migration without touching any tenant. */
  async listAll(tenantIds?: readonly string[]): Promise<Array<{ tenantId: string; module: string; version: number; checksum: string }>> {
    let query = this.db.selectFrom('tenant_management.tenant_module_migrations').select(['cliente_id', 'module', 'version', 'checksum']);
    if (tenantIds) query = query.where('cliente_id', 'in', tenantIds.length ? [...tenantIds] : ['']);
    const rows = await query.execute();
    return rows.map((r) => ({ tenantId: r.cliente_id, module: r.module, version: r.version, checksum: r.checksum }));
  }

  /**
   * For each file (module, version, checksum): up to `limit` tenants that recorded another
   * checksum for that module version, i.e. had it applied before it was edited. One round
   * trip; each lookup is two range scans of the checksum index (`<` and `>`), empty when
   * nothing changed. Only the files with such tenants are returned.
   */
  async appliedWithOtherChecksum(files: ReadonlyArray<{ module: string; version: number; checksum: string }>, limit = 11): Promise<Array<{ module: string; version: number; tenants: string[] }>> {
    if (files.length === 0) return [];
    const { rows } = await sql<{ module: string; version: number; tenants: string[] }>`
      SELECT f.module, f.version, ARRAY(
        SELECT t.cliente_id FROM tenant_management.tenant_module_migrations t
        WHERE t.module = f.module AND t.version = f.version AND (t.checksum < f.checksum OR t.checksum > f.checksum)
        ORDER BY t.cliente_id LIMIT ${limit}
      ) AS tenants
      FROM unnest(${files.map((f) => f.module)}::text[], ${files.map((f) => f.version)}::int[], ${files.map((f) => f.checksum)}::text[]) AS f(module, version, checksum)`.execute(this.db);
    return rows.filter((r) => r.tenants.length > 0);
  }

  /** Forgets a tenant's ledger, or only that of `module` (purged from the tenant). */
  async deleteFor(tenantId: string, module?: string): Promise<void> {
    let query = this.db.deleteFrom('tenant_management.tenant_module_migrations').where('cliente_id', '=', tenantId);
    if (module) query = query.where('module', '=', module);
    await query.execute();
  }

  /**
   * Per module, how many live tenants (active or suspended) that have it are behind
   * `latest` (their highest recorded version is lower, or none is recorded).
   */
  async behind(latest: Readonly<Record<string, number>>): Promise<Array<{ module: string; tenants: number }>> {
    const modules = Object.keys(latest);
    if (modules.length === 0) return [];
    // Holders minus those at the latest version (a ledger row per tenant, module and version;
    // none is above the catalog's): two counts per module over indexes, not a join of the whole
    // ledger — the Fleet page reads this at 10,000 tenants.
    const { rows } = await sql<{ module: string; tenants: number }>`
      WITH wanted AS (SELECT * FROM unnest(${modules}::text[], ${modules.map((m) => latest[m])}::int[]) AS w(module, version)),
           live AS (SELECT id, modulos_contratados FROM tenant_management.clientes WHERE status IN ('active', 'suspended'))
      SELECT w.module,
             ((SELECT count(*) FROM live c WHERE c.modulos_contratados ? w.module)
              - (SELECT count(*) FROM tenant_management.tenant_module_migrations l JOIN live c ON c.id = l.cliente_id
                 WHERE l.module = w.module AND l.version = w.version AND c.modulos_contratados ? w.module))::int AS tenants
      FROM wanted w ORDER BY w.module`.execute(this.db);
    return rows.filter((r) => r.tenants > 0);
  }
}
