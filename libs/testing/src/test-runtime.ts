import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { Kysely } from 'kysely';
import { DriftDetector, FleetMigrator } from '@kryonix/fleet';
import { ModuleCatalog } from '@kryonix/modules';
import { DatabaseConnector, KryonixConfig, PlatformOptions, SecretBox, loadConfig, parseMasterKey } from '@kryonix/platform';
import { Provisioner } from '@kryonix/provisioning';
import { REGISTRY_DB, RegistryDatabase } from '@kryonix/registry';
import { KryonixCore, TenantsOptions, openCore } from '@kryonix/tenants';
import { tenantRoleName } from '@kryonix/domain';

export function testDatabaseUrl(): string {
  const url = process.env.KRYONIX_TEST_DATABASE_URL;
  if (!url) throw new Error('KRYONIX_TEST_DATABASE_URL is not set (the Jest global setup sets it)');
  return url;
}

/** A core built by Nest on a test environment, with what the tests reach for (taken from its container). */
export interface TestCore extends KryonixCore {
  readonly provisioner: Provisioner;
  readonly migrator: FleetMigrator;
  readonly drift: DriftDetector;
  readonly catalog: ModuleCatalog;
  readonly connector: DatabaseConnector;
  readonly registry: Kysely<RegistryDatabase>;
}

export interface TestEnv {
  env: Record<string, string>;
  config: KryonixConfig;
  home: string;
  /** Opens a core on this environment (extra settings such as failpoints optional). */
  open(extra?: Record<string, string>, options?: TenantsOptions & PlatformOptions): Promise<TestCore>;
  cleanup(): Promise<void>;
}

export async function openTestCore(config: KryonixConfig, options: TenantsOptions & PlatformOptions): Promise<TestCore> {
  const core = await openCore(config, options);
  const options_ = { strict: false } as const;
  return Object.assign(core, {
    provisioner: core.app.get(Provisioner, options_),
    migrator: core.app.get(FleetMigrator, options_),
    drift: core.app.get(DriftDetector, options_),
    catalog: core.app.get(ModuleCatalog, options_),
    connector: core.app.get(DatabaseConnector, options_),
    registry: core.app.get<symbol, Kysely<RegistryDatabase>>(REGISTRY_DB, options_),
  });
}

export interface TestEnvOptions {
  /** The server of the registry and of `default` (KRYONIX_DATABASE_URL): the shared test server unless given (e.g. an ExtraPostgres). */
  databaseUrl?: string;
}

/**
 * An isolated environment for one test file: its own registry database, home
 * folder (master key, generated files) and master key, on the shared test server
 * (or on `databaseUrl`).
 */
export async function createTestEnv(label: string, options: TestEnvOptions = {}): Promise<TestEnv> {
  const databaseUrl = options.databaseUrl ?? testDatabaseUrl();
  const home = await mkdtemp(join(tmpdir(), `kryonix-${label}-`));
  await chmod(home, 0o755);
  const registryDatabase = `kx_test_${label.replace(/[^a-z0-9]/g, '_')}_${randomBytes(3).toString('hex')}`;
  const env: Record<string, string> = {
    KRYONIX_DATABASE_URL: databaseUrl,
    KRYONIX_REGISTRY_DATABASE: registryDatabase,
    KRYONIX_HOME: home,
    KRYONIX_MASTER_KEY: process.env.KRYONIX_TEST_MASTER_KEY ?? randomBytes(32).toString('hex'),
    KRYONIX_BASE_DOMAIN: 'kryonix.test',
    // Data planes of test files running side by side must not fight over the metrics port.
    KRYONIX_DATA_METRICS_PORT: '0',
    // CLI processes spawned by tests run their commands themselves unless a test asks for the local agent.
    KRYONIX_AGENT: 'off',
  };
  const config = loadConfig(env);
  const opened: TestCore[] = [];
  return {
    env,
    config,
    home,
    async open(extra = {}, options = {}) {
      const core = await openTestCore(loadConfig({ ...env, ...extra }, 'control-plane'), options);
      opened.push(core);
      return core;
    },
    async cleanup() {
      await Promise.all(opened.map((r) => r.close()));
      await withAdmin(
        async (c) => {
          await c.query(`DROP DATABASE IF EXISTS "${registryDatabase}" WITH (FORCE)`);
        },
        undefined,
        databaseUrl,
      );
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** A plain admin connection to the test server, or to the server of `serverUrl` (for assertions on the catalog). */
export async function withAdmin<R>(fn: (client: Client) => Promise<R>, database?: string, serverUrl = testDatabaseUrl()): Promise<R> {
  const url = new URL(serverUrl);
  if (database) url.pathname = `/${database}`;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Connects as a given role with a password; resolves to the error if the server refuses. */
export async function connectAs(role: string, password: string, database: string): Promise<Client> {
  const url = new URL(testDatabaseUrl());
  url.username = role;
  url.password = password;
  url.pathname = `/${database}`;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  return client;
}

/** A tenant's role password, read back from the registry with the environment's master key. */
export async function tenantRolePassword(env: TestEnv, id: string): Promise<string> {
  const row = await withAdmin(async (c) => (await c.query('SELECT role_password_enc FROM tenant_management.clientes WHERE id = $1', [id])).rows[0], env.config.registryDatabase);
  return new SecretBox(parseMasterKey(env.env.KRYONIX_MASTER_KEY!)).decrypt(row.role_password_enc, id);
}

/** A connection as tenant `id`'s own login role. */
export async function connectAsTenant(env: TestEnv, id: string, database: string): Promise<Client> {
  return connectAs(tenantRoleName(id), await tenantRolePassword(env, id), database);
}
