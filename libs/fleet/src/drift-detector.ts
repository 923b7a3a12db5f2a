import { createHash } from 'node:crypto';
import { Kysely } from 'kysely';
import { TenantNotFound, TenantStatus, tenantSchemaName } from '@kryonix/domain';
import { ModuleLedgerRepository, RegistryDatabase, TenantRepository } from '@kryonix/registry';
import { DatabaseConnector } from '@kryonix/platform';
import { ModuleCatalog, ModuleDefinition } from '@kryonix/modules';
import { TenantServers, TenantStorageRepository } from '@kryonix/provisioning';
import { SchemaCatalogRepository } from './schema-catalog.repository';

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
    /** Each tenant's schemas are described on its own server (the references live on the registry's). */
    private readonly servers: TenantServers,
    private readonly schemas: SchemaCatalogRepository = new SchemaCatalogRepository(),
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
        const [expected, actual] = await Promise.all([this.reference(this.catalog.get(module), version), this.describeIn(t.serverName, t.databaseName, schema)]);
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
        await this.schemas.ensureReference(db, schema, migrations);
        return this.schemas.describe(db, schema);
      })();
      this.references.set(schema, cached);
    }
    return cached;
  }

  private async describeIn(server: string, database: string, schema: string): Promise<Set<string>> {
    return (await this.servers.get(server)).storage.inDatabase(database, (db) => this.schemas.describe(db, schema));
  }
}
