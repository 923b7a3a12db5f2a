import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { KryonixConfig, SecretBox, loadConfig, parseMasterKey } from '@kryonix/platform';
import { KryonixRuntime, RuntimeOptions, openRuntime } from '@kryonix/tenants';
import { tenantRoleName } from '@kryonix/domain';

export function testDatabaseUrl(): string {
  const url = process.env.KRYONIX_TEST_DATABASE_URL;
  if (!url) throw new Error('KRYONIX_TEST_DATABASE_URL is not set (the Jest global setup sets it)');
  return url;
}

export interface TestEnv {
  env: Record<string, string>;
  config: KryonixConfig;
  home: string;
  /** Opens a runtime on this environment (failpoints optional). */
  open(extra?: Record<string, string>, options?: RuntimeOptions): Promise<KryonixRuntime>;
  cleanup(): Promise<void>;
}

/**
 * An isolated environment for one test file: its own registry database, home
 * folder (master key, generated files) and master key, on the shared test server.
 */
export async function createTestEnv(label: string): Promise<TestEnv> {
  const home = await mkdtemp(join(tmpdir(), `kryonix-${label}-`));
  await chmod(home, 0o755);
  const registryDatabase = `kx_test_${label.replace(/[^a-z0-9]/g, '_')}_${randomBytes(3).toString('hex')}`;
  const env: Record<string, string> = {
    KRYONIX_DATABASE_URL: testDatabaseUrl(),
    KRYONIX_REGISTRY_DATABASE: registryDatabase,
    KRYONIX_HOME: home,
    KRYONIX_MASTER_KEY: process.env.KRYONIX_TEST_MASTER_KEY ?? randomBytes(32).toString('hex'),
    KRYONIX_BASE_DOMAIN: 'kryonix.test',
    // CLI processes spawned by tests run their commands themselves unless a test asks for the local agent.
    KRYONIX_AGENT: 'off',
  };
  const config = loadConfig(env);
  const opened: KryonixRuntime[] = [];
  return {
    env,
    config,
    home,
    async open(extra = {}, options = {}) {
      const runtime = await openRuntime(loadConfig({ ...env, ...extra }), { ...env, ...extra }, options);
      opened.push(runtime);
      return runtime;
    },
    async cleanup() {
      await Promise.all(opened.map((r) => r.close()));
      await withAdmin(async (c) => {
        await c.query(`DROP DATABASE IF EXISTS "${registryDatabase}" WITH (FORCE)`);
      });
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** A plain admin connection to the test server (for assertions on the catalog). */
export async function withAdmin<R>(fn: (client: Client) => Promise<R>, database?: string): Promise<R> {
  const url = new URL(testDatabaseUrl());
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
