import { spawnSync } from 'node:child_process';
import { Client } from 'pg';
import { GATEWAY_ROLE } from '@kryonix/domain';
import { projectPath } from '@kryonix/platform';
import { ExtraPostgres, TestEnv, createTestEnv, freePort, startExtraPostgres, withAdmin } from '@kryonix/testing';

const BIN = projectPath('bin', 'kryonix.js');
let env: TestEnv;
let b: ExtraPostgres;
let old: ExtraPostgres;

beforeAll(async () => {
  [env, b, old] = await Promise.all([createTestEnv('servers'), startExtraPostgres('srv-b'), startExtraPostgres('srv-old', 'pg15')]);
});
afterAll(async () => {
  await Promise.all([env.cleanup(), b.destroy(), old.destroy()]);
});

function kryonix(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env.env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function on<R>(url: string, fn: (c: Client) => Promise<R>): Promise<R> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The URL of `role` (made here with `attributes`) on a server. */
async function roleUrl(server: ExtraPostgres, role: string, attributes: string): Promise<string> {
  await on(server.url, (c) => c.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pw-${role}' ${attributes}`));
  const url = new URL(server.url);
  url.username = role;
  url.password = `pw-${role}`;
  return url.toString();
}

const registry = () => env.config.registryDatabase;

describe('kryonix server', () => {
  it('lists the registry\'s own server as `default`, holding every tenant', () => {
    expect(kryonix(['tenant', 'create', 'srv-one', 'One', '--modules', 'crm']).code).toBe(0);
    const list = JSON.parse(kryonix(['server', 'list', '--json']).stdout);
    expect(list).toEqual([expect.objectContaining({ name: 'default', state: 'active', reachable: true, tenants: 1, pgVersionNum: null })]);
    expect(list[0].connections).toBeGreaterThan(0);
    expect(JSON.parse(kryonix(['tenant', 'show', 'srv-one', '--json']).stdout).serverName).toBe('default');
    expect(kryonix(['tenant', 'list']).stdout).toMatch(/SERVER[\s\S]*srv-one\s+active\s+database\s+default/);
  });

  it('adds a checked server with tags and limits, keeps its URL encrypted, sets up the gateway role there, and never shows the URL', async () => {
    const added = kryonix(['server', 'add', 'pg-b', b.url, '--tag', 'region=sa-east', '--tag', 'tier=gold', '--max-tenants', '5', '--max-storage', '10GB']);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^Server pg-b added: PostgreSQL 17\.\d+ at 127\.0\.0\.1:\d+, ready for moves, at most 5 tenants, at most 10\.0 GB, tags region=sa-east,tier=gold\.\n$/);
    const password = new URL(b.url).password;
    const shown = kryonix(['server', 'show', 'pg-b', '--json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ name: 'pg-b', state: 'active', tags: { region: 'sa-east', tier: 'gold' }, maxTenants: 5, maxStorageBytes: 10 * 1024 ** 3, moves: true, tenants: 0, reachable: true, address: `127.0.0.1:${b.port}` });
    for (const out of [added.stdout, shown.stdout, kryonix(['server', 'list']).stdout, kryonix(['server', 'list', '--json']).stdout]) expect(out).not.toContain(password);
    const row = await withAdmin(async (c) => (await c.query(`SELECT * FROM tenant_management.servers WHERE name = 'pg-b'`)).rows[0], registry());
    expect(JSON.stringify(row)).not.toContain(password);
    expect(row.admin_url_enc).toEqual(expect.any(String));
    expect(await on(b.url, async (c) => (await c.query('SELECT rolcanlogin FROM pg_roles WHERE rolname = $1', [GATEWAY_ROLE])).rows)).toEqual([{ rolcanlogin: true }]);
    const audit = await withAdmin(async (c) => (await c.query(`SELECT action, outcome, details FROM tenant_management.audit_log WHERE target = 'pg-b'`)).rows, registry());
    expect(audit).toEqual([{ action: 'server.add', outcome: 'success', details: expect.objectContaining({ tags: { region: 'sa-east', tier: 'gold' } }) }]);
    expect(JSON.stringify(audit)).not.toContain(password);
  });

  it('refuses, recording nothing: a name taken or reserved, a bad URL, an unreachable server, a role without rights', async () => {
    const refusals: Array<[string[], number, RegExp]> = [
      [['server', 'add', 'pg-b', b.url], 3, /already registered/],
      [['server', 'add', 'default', b.url], 3, /registry's own/],
      [['server', 'add', 'Bad_Name', b.url], 2, /Invalid server name/],
      [['server', 'add', 'pg-x', 'http://example.invalid/'], 2, /Invalid admin URL: give a PostgreSQL URL/],
      [['server', 'add', 'pg-x', `postgres://u:p@127.0.0.1:${await freePort()}/postgres`], 1, /Cannot reach server "pg-x" .*ECONNREFUSED.*nothing was recorded/],
      [['server', 'add', 'pg-x', b.url, '--tag', 'Region=x'], 2, /Invalid --tag "Region=x"/],
      [['server', 'add', 'pg-x', b.url, '--max-storage', 'lots'], 2, /Invalid --max-storage "lots"/],
      [['server', 'add', 'pg-x', await roleUrl(b, 'weak', ''), '--no-moves'], 2, /cannot create databases: ALTER ROLE … CREATEDB; the admin role cannot create roles/],
      [['server', 'add', 'pg-x', b.url.replace(new URL(b.url).password, 'wrong')], 2, /refused the credentials/],
    ];
    for (const [args, code, message] of refusals) {
      const r = kryonix(args);
      expect([args.slice(2).join(' '), r.code, r.stderr]).toEqual([args.slice(2).join(' '), code, expect.stringMatching(message)]);
    }
    expect((await withAdmin((c) => c.query(`SELECT name FROM tenant_management.servers ORDER BY name`), registry())).rows.map((r) => r.name)).toEqual(['default', 'pg-b']);
  });

  it('checks what a move needs: PostgreSQL 15 without a superuser cannot subscribe; with --no-moves it is added', async () => {
    const url = await roleUrl(old, 'operator', 'CREATEDB CREATEROLE');
    const refused = kryonix(['server', 'add', 'pg-old', url]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('before PostgreSQL 16 only a superuser may create subscriptions: use a superuser admin URL (or add the server with --no-moves)');
    const added = kryonix(['server', 'add', 'pg-old', url, '--no-moves', '--json']);
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ name: 'pg-old', moves: false, pgVersionNum: expect.any(Number) });
    expect(Math.floor(JSON.parse(added.stdout).pgVersionNum / 10000)).toBe(15);
  });

  it('cordon, uncordon, a server that stops answering, and remove', async () => {
    expect(kryonix(['server', 'cordon', 'pg-b']).stdout).toBe('Server pg-b is cordoned.\n');
    expect(JSON.parse(kryonix(['server', 'show', 'pg-b', '--json']).stdout).state).toBe('cordoned');
    expect(kryonix(['server', 'uncordon', 'pg-b']).stdout).toBe('Server pg-b is active.\n');
    await old.stop();
    try {
      const list = JSON.parse(kryonix(['server', 'list', '--json']).stdout);
      expect(list.find((s: { name: string }) => s.name === 'pg-old')).toMatchObject({ reachable: false, error: expect.stringContaining('ECONNREFUSED') });
      expect(list.find((s: { name: string }) => s.name === 'pg-b')).toMatchObject({ reachable: true });
    } finally {
      await old.start();
    }
    expect(kryonix(['server', 'remove', 'default']).code).toBe(3);
    expect(kryonix(['server', 'remove', 'pg-nobody']).code).toBe(1);
    expect(kryonix(['server', 'remove', 'pg-old']).code).toBe(0);
    expect(JSON.parse(kryonix(['server', 'list', '--json']).stdout).map((s: { name: string }) => s.name)).toEqual(['default', 'pg-b']);
    const actions = await withAdmin(async (c) => (await c.query(`SELECT action || ':' || outcome AS a FROM tenant_management.audit_log WHERE action LIKE 'server.%' ORDER BY id`)).rows.map((r) => r.a), registry());
    expect(actions.filter((a: string) => a.endsWith(':success'))).toEqual(['server.add:success', 'server.add:success', 'server.cordon:success', 'server.uncordon:success', 'server.remove:success']);
  });
});
