import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { projectPath } from '@kryonix/platform';
import { ExtraPostgres, TestEnv, createTestEnv, startExtraPostgres, withAdmin } from '@kryonix/testing';

const BIN = projectPath('bin', 'kryonix.js');
let env: TestEnv;
let b: ExtraPostgres;

beforeAll(async () => {
  [env, b] = await Promise.all([createTestEnv('multi'), startExtraPostgres('multi-b')]);
});
afterAll(async () => {
  await Promise.all([env.cleanup(), b.destroy()]);
});

function kryonix(args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env.env, ...extra }, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function onB<R>(sql: string, params: unknown[] = [], database = 'postgres'): Promise<R[]> {
  const url = new URL(b.url);
  url.pathname = `/${database}`;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as R[];
  } finally {
    await client.end();
  }
}
const registry = () => env.config.registryDatabase;
const databasesOn = async (names: string[]) => {
  const onDefault = (await withAdmin((c) => c.query('SELECT datname FROM pg_database WHERE datname = ANY($1)', [names]))).rows.map((r) => r.datname);
  const onSecond = (await onB<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY($1)', [names])).map((r) => r.datname);
  return { default: onDefault, b: onSecond };
};
const canLogin = async (role: string) => (await onB<{ rolcanlogin: boolean }>('SELECT rolcanlogin FROM pg_roles WHERE rolname = $1', [role]))[0]?.rolcanlogin;

describe('tenants on a second PostgreSQL server', () => {
  beforeAll(() => {
    const added = kryonix(['server', 'add', 'pg-b', b.url, '--tag', 'region=sa-east']);
    if (added.code !== 0) throw new Error(added.stderr);
  });

  it('places a tenant by --server and by --tag, makes it there (both modes), and logs the choice', async () => {
    const byName = kryonix(['tenant', 'create', 'ms-db', 'On B', '--modules', 'crm', '--server', 'pg-b', '--json']);
    expect(byName.stderr).toBe('');
    expect(JSON.parse(byName.stdout)).toMatchObject({ server: 'pg-b', database: 'kryonix_cliente_ms_db' });
    const byTag = kryonix(['tenant', 'create', 'ms-sc', 'On B too', '--modules', 'crm', '--mode', 'schema', '--tag', 'region=sa-east']);
    expect(byTag.code).toBe(0);
    expect(byTag.stdout).toMatch(/server +pg-b/);
    expect(await databasesOn(['kryonix_cliente_ms_db', 'kryonix_tenants'])).toEqual({ default: expect.not.arrayContaining(['kryonix_cliente_ms_db']), b: expect.arrayContaining(['kryonix_cliente_ms_db', 'kryonix_tenants']) });
    expect((await onB('SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1', ['ms_sc_crm'], 'kryonix_tenants'))[0]).toEqual({ n: 3 });
    expect(await canLogin('cliente_ms_db_user')).toBe(true);
    expect((await withAdmin((c) => c.query(`SELECT 1 FROM pg_roles WHERE rolname = 'cliente_ms_db_user'`))).rowCount).toBe(0);
    const rows = await withAdmin(async (c) => (await c.query(`SELECT id, server_name FROM tenant_management.clientes ORDER BY id`)).rows, registry());
    expect(rows).toEqual([{ id: 'ms-db', server_name: 'pg-b' }, { id: 'ms-sc', server_name: 'pg-b' }]);
    const choice = await withAdmin(async (c) => (await c.query(`SELECT cliente_id, detalhes FROM tenant_management.logs_auto_creation WHERE acao = 'escolha_servidor' ORDER BY id`)).rows, registry());
    expect(choice).toEqual([
      { cliente_id: 'ms-db', detalhes: { server: 'pg-b', reason: 'asked for (--server pg-b)' } },
      { cliente_id: 'ms-sc', detalhes: { server: 'pg-b', reason: expect.stringContaining('tagged region=sa-east') } },
    ]);
    const refused = kryonix(['tenant', 'create', 'ms-nowhere', 'X', '--modules', 'crm', '--tag', 'region=eu']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('No server can take the tenant with region=eu (default: tags none; pg-b: tags region=sa-east)');
    expect(JSON.parse(kryonix(['server', 'show', 'pg-b', '--json']).stdout).tenants).toBe(2);
  });

  it('suspend, resume, credentials, connection string and module changes act on the tenant\'s server', async () => {
    expect(kryonix(['tenant', 'suspend', 'ms-db']).code).toBe(0);
    expect(await canLogin('cliente_ms_db_user')).toBe(false);
    expect(kryonix(['tenant', 'resume', 'ms-db']).code).toBe(0);
    expect(await canLogin('cliente_ms_db_user')).toBe(true);
    expect(kryonix(['tenant', 'rotate-credentials', 'ms-db']).code).toBe(0);
    const connection = JSON.parse(kryonix(['tenant', 'connection-string', 'ms-db', '--json']).stdout);
    expect(connection).toMatchObject({ host: '127.0.0.1', port: b.port, database: 'kryonix_cliente_ms_db' });
    const client = new Client({ connectionString: connection.url });
    await client.connect();
    expect((await client.query('SELECT current_user AS who, count(*)::int AS n FROM leads')).rows[0]).toEqual({ who: 'cliente_ms_db_user', n: 0 });
    await client.end();
    expect(kryonix(['tenant', 'modules', 'ms-db', '--add', 'agendamento']).code).toBe(0);
    expect((await onB('SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1', ['agendamento'], 'kryonix_cliente_ms_db'))[0]).toEqual({ n: 6 });
    const shown = JSON.parse(kryonix(['tenant', 'show', 'ms-db', '--json']).stdout);
    expect(shown).toMatchObject({ serverName: 'pg-b', modules: ['agendamento', 'crm'] });
    expect(shown.storage.usedBytes).toBeGreaterThan(1_000_000);
  });

  it('migrate and drift reach tenants on every server', async () => {
    expect(kryonix(['tenant', 'create', 'ms-home', 'At home', '--modules', 'crm', '--server', 'default']).code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'kx-multi-mods-'));
    try {
      cpSync(projectPath('sql', 'modules'), dir, { recursive: true });
      writeFileSync(join(dir, 'crm', '0003_lead_canal.sql.hbs'), 'ALTER TABLE {{schema}}.leads ADD COLUMN canal varchar(30);\n');
      const run = kryonix(['migrate', '--concurrency', '4', '--concurrency-per-server', '1', '--json'], { KRYONIX_MODULES_DIR: dir });
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout)).toMatchObject({ failed: [], notAttempted: [] });
      expect(JSON.parse(run.stdout).migrated.sort()).toEqual(['ms-db', 'ms-home', 'ms-sc']);
      expect(await onB('SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name = $3', ['crm', 'leads', 'canal'], 'kryonix_cliente_ms_db')).toHaveLength(1);
      expect(kryonix(['drift'], { KRYONIX_MODULES_DIR: dir }).code).toBe(0);
      await onB('ALTER TABLE ms_sc_crm.leads DROP COLUMN canal', [], 'kryonix_tenants');
      const drift = kryonix(['drift', '--json'], { KRYONIX_MODULES_DIR: dir });
      expect(drift.code).toBe(1);
      expect(JSON.parse(drift.stdout).drifted).toEqual([expect.objectContaining({ tenant: 'ms-sc', missing: [expect.stringContaining('canal')] })]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a purge drops the tenant on its server; the server can be removed once it holds none', async () => {
    expect(kryonix(['server', 'remove', 'pg-b']).code).toBe(3);
    expect(kryonix(['tenant', 'delete', 'ms-db', '--purge', '--yes']).code).toBe(0);
    expect(kryonix(['tenant', 'delete', 'ms-sc', '--purge', '--yes']).code).toBe(0);
    expect((await databasesOn(['kryonix_cliente_ms_db'])).b).toEqual([]);
    expect(await onB('SELECT rolname FROM pg_roles WHERE rolname LIKE $1', ['cliente_ms_%'])).toEqual([]);
    expect(await onB('SELECT nspname FROM pg_namespace WHERE nspname LIKE $1', ['ms_sc_%'], 'kryonix_tenants')).toEqual([]);
    expect(kryonix(['server', 'remove', 'pg-b']).code).toBe(0);
  });
});
