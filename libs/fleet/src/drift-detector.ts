import { createHash } from 'node:crypto';
import { Kysely, sql } from 'kysely';
import { TenantNotFound, TenantStatus, quoteIdent, tenantSchemaName } from '@kryonix/domain';
import { ModuleLedgerRepository, RegistryDatabase, TenantRepository } from '@kryonix/registry';
import { DatabaseConnector } from '@kryonix/platform';
import { ModuleCatalog, ModuleDefinition } from '@kryonix/modules';
import { TenantStorageRepository } from '@kryonix/provisioning';

export interface TenantDrift {
  tenant: string;
  module: string;
  version: number;
  /** In what the recorded versions produce, not in the tenant's schema. */
  missing: string[];
  /** In the tenant's schema, not in what the recorded versions produce. */
  unexpected: string[];
}

export interface DriftReport {
  checked: number;
  drifted: TenantDrift[];
}

const REFERENCE_DATABASE = 'kryonix_reference';
const LIVE: TenantStatus[] = ['active', 'suspended'];

/**
 * Compares each tenant's real catalog (tables, columns and types, indexes,
 * constraints) with what its recorded module versions should produce: the same
 * migrations applied to a reference schema in the `kryonix_reference` database.
 */
export class DriftDetector {
  private readonly references = new Map<string, Promise<Set<string>>>();

  constructor(
    private readonly registry: Kysely<RegistryDatabase>,
    private readonly connector: DatabaseConnector,
    private readonly storage: TenantStorageRepository,
    private readonly catalog: ModuleCatalog,
  ) {}

  async detect(options: { tenants?: readonly string[] } = {}): Promise<DriftReport> {
    const tenants = (await new TenantRepository(this.registry).list())
      .filter((t) => LIVE.includes(t.status))
      .filter((t) => !options.tenants?.length || options.tenants.includes(t.id));
    const unknown = (options.tenants ?? []).filter((id) => !tenants.some((t) => t.id === id));
    if (unknown.length) throw new TenantNotFound(unknown.join(', '));
    const ledger = await new ModuleLedgerRepository(this.registry).listAll(tenants.map((t) => t.id));
    const versions = new Map<string, number>();
    for (const r of ledger) versions.set(`${r.tenantId}/${r.module}`, Math.max(versions.get(`${r.tenantId}/${r.module}`) ?? 0, r.version));
    const drifted: TenantDrift[] = [];
    for (const t of tenants) {
      for (const module of t.modules) {
        const version = versions.get(`${t.id}/${module}`) ?? 0;
        const schema = tenantSchemaName(t.id, t.mode, module);
        const [expected, actual] = await Promise.all([this.reference(this.catalog.get(module), version), this.describeIn(t.databaseName, schema)]);
        const missing = [...expected].filter((f) => !actual.has(f)).sort();
        const unexpected = [...actual].filter((f) => !expected.has(f)).sort();
        if (missing.length || unexpected.length) drifted.push({ tenant: t.id, module, version, missing, unexpected });
      }
    }
    return { checked: tenants.length, drifted };
  }

  /** The catalog facts of `module` at `version`, built once per version in the reference database. */
  private reference(module: ModuleDefinition, version: number): Promise<Set<string>> {
    const migrations = module.migrations.filter((m) => m.version <= version);
    const hash = createHash('sha256').update(migrations.map((m) => m.checksum).join(',')).digest('hex').slice(0, 10);
    const schema = `ref_${module.name}_${version}_${hash}`;
    let cached = this.references.get(schema);
    if (!cached) {
      cached = (async () => {
        await this.storage.ensureDatabase(this.registry, REFERENCE_DATABASE);
        const db = this.connector.db(REFERENCE_DATABASE);
        await db.transaction().execute(async (trx) => {
          await sql`SELECT pg_advisory_xact_lock(hashtext(${schema}))`.execute(trx);
          const exists = await sql`SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = ${schema}`.execute(trx);
          if (exists.rows.length) return;
          await sql.raw(`CREATE SCHEMA ${quoteIdent(schema)}`).execute(trx);
          for (const m of migrations) await sql.raw(m.render(schema)).execute(trx);
        });
        return describe(db, schema);
      })();
      this.references.set(schema, cached);
    }
    return cached;
  }

  private describeIn(database: string, schema: string): Promise<Set<string>> {
    return this.storage.inDatabase(database, (db) => describe(db, schema));
  }
}

/** Catalog facts of one schema, with the schema's own name taken out so two schemas compare. */
async function describe(db: Kysely<any>, schema: string): Promise<Set<string>> {
  const strip = (text: string) => text.split(`"${schema}".`).join('').split(`${schema}.`).join('');
  const facts = new Set<string>();
  const tables = await sql<{ name: string }>`SELECT c.relname AS name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ${schema} AND c.relkind IN ('r', 'p')`.execute(db);
  for (const t of tables.rows) facts.add(`table ${t.name}`);
  const columns = await sql<{ tbl: string; col: string; type: string; notnull: boolean; def: string | null }>`
    SELECT c.relname AS tbl, a.attname AS col, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS def
      FROM pg_catalog.pg_attribute a
      JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE n.nspname = ${schema} AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped`.execute(db);
  for (const c of columns.rows) facts.add(`column ${c.tbl}.${c.col} ${c.type}${c.notnull ? ' not null' : ''}${c.def ? ` default ${strip(c.def)}` : ''}`);
  const indexes = await sql<{ name: string; def: string }>`SELECT indexname AS name, indexdef AS def FROM pg_catalog.pg_indexes WHERE schemaname = ${schema}`.execute(db);
  for (const i of indexes.rows) facts.add(`index ${i.name}: ${strip(i.def)}`);
  const constraints = await sql<{ tbl: string; name: string; def: string }>`
    SELECT c.relname AS tbl, k.conname AS name, pg_get_constraintdef(k.oid) AS def
      FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = ${schema}`.execute(db);
  for (const k of constraints.rows) facts.add(`constraint ${k.tbl}.${k.name}: ${strip(k.def)}`);
  return facts;
}
