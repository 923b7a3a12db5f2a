import { Kysely, sql } from 'kysely';
import { ConfigurationError, GATEWAY_ROLE } from '@kryonix/domain';
import { RegistryDatabase, migrateRegistry } from '@kryonix/registry';
import { KryonixConfig } from '@kryonix/platform';
import { DatabaseConnector } from '@kryonix/platform';
import { ensureEmbeddedPostgres } from '@kryonix/platform';
import { GeneratedFiles } from '@kryonix/provisioning';
import { loadMasterKey } from '@kryonix/platform';
import { ModuleCatalog } from '@kryonix/modules';
import { parseFailpoints } from '@kryonix/provisioning';
import { Provisioner } from '@kryonix/provisioning';
import { TenantLifecycle } from '@kryonix/provisioning';
import { SecretBox, scramSha256Verifier } from '@kryonix/platform';
import { TenantStorageRepository } from '@kryonix/provisioning';
import { TenantMetricsRepository } from '@kryonix/provisioning';
import { FleetMigrator } from '@kryonix/fleet';
import { DriftDetector } from '@kryonix/fleet';

/** Everything a process needs to provision: connections, registry, modules, secrets. */
export interface KryonixRuntime {
  config: KryonixConfig;
  adminUrl: string;
  embedded: boolean;
  connector: DatabaseConnector;
  registry: Kysely<RegistryDatabase>;
  catalog: ModuleCatalog;
  provisioner: Provisioner;
  lifecycle: TenantLifecycle;
  /** Encrypts secrets kept in the registry (role passwords, one-time job results). */
  secrets: SecretBox;
  metrics: TenantMetricsRepository;
  migrator: FleetMigrator;
  drift: DriftDetector;
  /** How the data plane logs in: the gateway role, password derived from the master key. */
  gatewayUrl(database: string): string;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** The data plane: set the gateway role's password from this process's master key. */
  gateway?: boolean;
  /** Long-lived processes (the control plane): warm spare databases per module set (see ProvisionerDeps.warmDatabases). */
  warmDatabases?: number;
  onBackgroundError?: (error: unknown) => void;
}

export async function openRuntime(config: KryonixConfig, env: Record<string, string | undefined> = process.env, options: RuntimeOptions = {}): Promise<KryonixRuntime> {
  const embedded = !config.databaseUrl;
  const adminUrl = config.databaseUrl ?? (await ensureEmbeddedPostgres(config.home, config.embeddedPort)).url;
  const maintenanceDb = decodeURIComponent(new URL(adminUrl).pathname.slice(1)) || 'postgres';
  const connector = new DatabaseConnector(adminUrl);
  try {
    const storage = new TenantStorageRepository(connector);
    // Independent start-up work runs concurrently: it is most of a short CLI command's life.
    const [catalog, masterKey] = await Promise.all([
      ModuleCatalog.load(config.modulesDir),
      loadMasterKey(config.home, config.masterKey),
      ensureRegistry(connector, storage, maintenanceDb, config.registryDatabase, embedded),
    ]);
    const secrets = new SecretBox(masterKey);
    // The gateway's password is a 256-bit derived secret: key stretching adds nothing but
    // cost to every connection the data plane opens, so its verifier uses few iterations.
    await storage.ensureGatewayRole(connector.db(config.registryDatabase), scramSha256Verifier(secrets.derive('gateway-password'), 16), options.gateway);
    const registry = connector.db<RegistryDatabase>(config.registryDatabase);
    const files = new GeneratedFiles(config.templatesDir, config.outputDir);
    const provisioner = new Provisioner({
      registry,
      storage,
      catalog,
      secrets,
      files,
      baseDomain: config.baseDomain,
      failpoints: parseFailpoints(env.KRYONIX_FAILPOINTS),
      warmDatabases: options.warmDatabases,
      modulesDir: config.modulesDir,
      onBackgroundError: options.onBackgroundError,
    });
    return {
      config,
      adminUrl,
      embedded,
      connector,
      registry,
      catalog,
      provisioner,
      lifecycle: new TenantLifecycle({ registry, storage, catalog, baseDomain: config.baseDomain, secrets, files, deleteGraceMs: config.deleteGraceMs }),
      secrets,
      metrics: new TenantMetricsRepository(connector),
      migrator: new FleetMigrator(registry, storage, catalog),
      drift: new DriftDetector(registry, connector, storage, catalog),
      gatewayUrl: (database) => {
        const url = new URL(adminUrl);
        url.username = GATEWAY_ROLE;
        url.password = secrets.derive('gateway-password');
        url.pathname = `/${encodeURIComponent(database)}`;
        return url.toString();
      },
      close: async () => {
        await provisioner.drain();
        await connector.close();
      },
    };
  } catch (error) {
    await connector.close();
    throw error;
  }
}

/** Creates the registry database when missing and applies pending registry migrations. */
async function ensureRegistry(
  connector: DatabaseConnector,
  storage: TenantStorageRepository,
  maintenanceDb: string,
  registryDb: string,
  embedded: boolean,
): Promise<void> {
  try {
    await sql`SELECT 1`.execute(connector.db(registryDb));
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') throw explain(error); // invalid_catalog_name: database missing
    await connector.release(registryDb);
    await connector.once(maintenanceDb, async (admin) => {
      await storage.ensureDatabase(admin, registryDb);
      // On our own embedded server, tenant roles may not even connect to the maintenance databases.
      await storage.lockDownDatabases(admin, embedded ? [registryDb, 'postgres', 'template1'] : [registryDb]);
    });
  }
  await migrateRegistry(connector.db(registryDb));
}

function explain(error: unknown): Error {
  const code = (error as { code?: string }).code;
  if (code === 'ECONNREFUSED') return new ConfigurationError(`Cannot reach PostgreSQL at KRYONIX_DATABASE_URL (connection refused).`);
  if (code === '28P01') return new ConfigurationError('PostgreSQL refused the credentials of KRYONIX_DATABASE_URL.');
  return error instanceof Error ? error : new Error(String(error));
}
