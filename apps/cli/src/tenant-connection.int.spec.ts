import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { projectPath } from '@kryonix/platform';
import { TestEnv, createTestEnv, withAdmin } from '@kryonix/testing';

const BIN = projectPath('bin', 'kryonix.js');
let env: TestEnv;
let scratch: string;

beforeAll(async () => {
  env = await createTestEnv('conn');
  scratch = mkdtempSync(join(tmpdir(), 'kx-conn-'));
});
afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await env.cleanup();
});

function kryonix(args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env.env, ...extra }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const psqlInstalled = spawnSync('psql', ['--version']).status === 0;

describe('kryonix tenant connection-string', () => {
  it.each(['database', 'schema'] as const)('prints a URI that logs in as the tenant role (%s mode), sees its own tables, and is audited', async (mode) => {
    const id = `conn-${mode.slice(0, 2)}`;
    expect(kryonix(['tenant', 'create', id, 'Conn', '--modules', 'crm', '--mode', mode]).code).toBe(0);
    const text = kryonix(['tenant', 'connection-string', id]);
    expect(text.code).toBe(0);
    const url = text.stdout.trim();
    expect(url).toMatch(/^postgresql:\/\/cliente_conn_\w+_user:[^@]+@/);
    expect(text.stderr).toContain('changes if the tenant moves to another server');
    const json = JSON.parse(kryonix(['tenant', 'connection-string', id, '--json']).stdout);
    expect(json).toMatchObject({ id, mode, user: `cliente_${id.replace('-', '_')}_user`, url });
    expect(json.password.length).toBeGreaterThanOrEqual(20);
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT current_user AS who, count(*)::int AS n FROM leads`);
      expect(rows[0]).toEqual({ who: json.user, n: 0 });
      // the admin's credentials are not in what was printed
      expect(url).not.toContain(new URL(env.config.databaseUrl!).password || '\u0000');
    } finally {
      await client.end();
    }
    const audit = await withAdmin(async (c) => (await c.query(`SELECT action, outcome FROM tenant_management.audit_log WHERE target = $1 AND action = 'tenant.reveal_connection'`, [id])).rows, env.config.registryDatabase);
    expect(audit).toEqual([{ action: 'tenant.reveal_connection', outcome: 'success' }, { action: 'tenant.reveal_connection', outcome: 'success' }]);
    expect(JSON.stringify(await withAdmin(async (c) => (await c.query(`SELECT * FROM tenant_management.audit_log WHERE target = $1`, [id])).rows, env.config.registryDatabase))).not.toContain(json.password);
  });

  it('refuses a suspended tenant (its role cannot log in) and an unknown one', () => {
    expect(kryonix(['tenant', 'create', 'conn-susp', 'Conn', '--modules', 'crm']).code).toBe(0);
    expect(kryonix(['tenant', 'suspend', 'conn-susp']).code).toBe(0);
    const suspended = kryonix(['tenant', 'connection-string', 'conn-susp']);
    expect(suspended.code).toBe(3);
    expect(suspended.stderr).toContain('resume it first');
    expect(suspended.stdout).toBe('');
    expect(kryonix(['tenant', 'connection-string', 'conn-nobody']).code).toBe(1);
  });
});

describe('kryonix tenant psql', () => {
  it('says what to do when psql is not installed, and reveals nothing', async () => {
    const reveals = async () => (await withAdmin((c) => c.query(`SELECT 1 FROM tenant_management.audit_log WHERE target = 'conn-da' AND action = 'tenant.reveal_connection'`), env.config.registryDatabase)).rowCount;
    const before = await reveals();
    const r = kryonix(['tenant', 'psql', 'conn-da'], { PATH: scratch });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('psql is not installed here');
    expect(r.stderr).toContain('kryonix tenant connection-string conn-da');
    expect(await reveals()).toBe(before);
  });

  it('hands psql the login through its environment, never its arguments', () => {
    // a stand-in psql that records what it was given (the real one is exercised below)
    const bin = mkdtempSync(join(scratch, 'bin-'));
    const out = join(scratch, 'psql-args.json');
    writeFileSync(join(bin, 'psql'), `#!${process.execPath}\nrequire('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ argv: process.argv.slice(2), env: { PGUSER: process.env.PGUSER, PGDATABASE: process.env.PGDATABASE, PGOPTIONS: process.env.PGOPTIONS, hasPassword: Boolean(process.env.PGPASSWORD) } }));\nprocess.exit(7);\n`);
    chmodSync(join(bin, 'psql'), 0o755);
    const r = kryonix(['tenant', 'psql', 'conn-sc', '--', '-c', 'SELECT 1'], { PATH: `${bin}:${process.env.PATH}` });
    expect(r.code).toBe(7); // psql's own exit code
    const seen = JSON.parse(readFileSync(out, 'utf8'));
    expect(seen.argv).toEqual(['-c', 'SELECT 1']);
    expect(seen.env).toEqual({ PGUSER: 'cliente_conn_sc_user', PGDATABASE: expect.any(String), PGOPTIONS: '-c search_path=conn_sc_crm', hasPassword: true });
  });

  (psqlInstalled ? it : it.skip)('runs a statement as the tenant role with the real psql', () => {
    const r = kryonix(['tenant', 'psql', 'conn-sc', '--', '-At', '-c', 'SELECT current_user, current_schemas(false)::text']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('cliente_conn_sc_user|{conn_sc_crm}');
  });
});
