import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPath } from '@kryonix/platform';
import { TestEnv, createTestEnv, tableCounts, tenantFootprint, withAdmin } from '@kryonix/testing';

const BIN = projectPath('bin', 'kryonix.js');
let env: TestEnv;

beforeAll(async () => {
  env = await createTestEnv('cli');
});
afterAll(() => env.cleanup());

function kryonix(args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env.env, ...extra }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const footprint = (id: string) => tenantFootprint(id, { registryDatabase: env.config.registryDatabase, outputDir: env.config.outputDir });

describe('./kryonix at the repository root', () => {
  it('runs the same CLI without npm, with its exit codes', () => {
    const launcher = projectPath('kryonix');
    const version = spawnSync(launcher, ['--version'], { encoding: 'utf8' });
    expect(version.status).toBe(0);
    expect(version.stdout).toBe(spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' }).stdout);
    const bad = spawnSync(launcher, ['tenant', 'show', 'Bad Id'], { env: { ...process.env, ...env.env }, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('Invalid tenant id');
  });
});

describe('kryonix CLI', () => {
  it('--help works without a database', () => {
    const r = kryonix(['--help'], { KRYONIX_DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/none' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('tenant');
  });

  it('tenant create --json prints one object with the documented fields', () => {
    const r = kryonix(['tenant', 'create', 'cli-json', 'Siqueira Campos Imóveis', '--modules', 'crm,whatsapp,agendamento,financeiro', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(Object.keys(body).sort()).toEqual(['apiKey', 'database', 'durationMs', 'id', 'mode', 'modules', 'name', 'role', 'schemas', 'server', 'url'].sort());
    expect(body).toMatchObject({ id: 'cli-json', name: 'Siqueira Campos Imóveis', mode: 'database', database: 'kryonix_cliente_cli_json', role: 'cliente_cli_json_user', url: 'https://cli-json.kryonix.test:8443' });
    expect(body.apiKey).toMatch(/^sk_cli-json_[0-9a-f]{32}$/);
    expect(body.modules.sort()).toEqual(['agendamento', 'crm', 'financeiro', 'whatsapp']);
  });

  it('prints a line per step with its duration, then the summary with the key once', () => {
    const r = kryonix(['tenant', 'create', 'cli-human', 'Human', '--modules', 'crm', '--mode', 'schema']);
    expect(r.code).toBe(0);
    for (const step of ['register', 'create_role', 'create_schemas', 'grant_access', 'record_modules', 'issue_api_key', 'write_files', 'activate']) {
      expect(r.stdout).toMatch(new RegExp(`✔ ${step}\\s+\\d+\\.\\d ms`));
    }
    expect(r.stdout).toMatch(/API key\s+sk_cli-human_[0-9a-f]{32}/);
    expect(r.stdout).toContain('https://cli-human.kryonix.test:8443');
    expect(r.stdout).toContain('cli_human_crm');
  });

  it('exit codes: 2 invalid input, 3 conflict, with one sentence on stderr', () => {
    const bad = kryonix(['tenant', 'create', 'Bad_Id', 'X', '--modules', 'crm']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/Invalid tenant id/);
    const unknown = kryonix(['tenant', 'create', 'cli-unk', 'X', '--modules', 'crm,estoque']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('known modules are: agendamento, crm, financeiro, whatsapp');
    const missing = kryonix(['tenant', 'create', 'cli-miss', 'X']);
    expect(missing.code).toBe(2);
    const badMode = kryonix(['tenant', 'create', 'cli-mode', 'X', '--modules', 'crm', '--mode', 'cluster']);
    expect(badMode.code).toBe(2);
    const again = kryonix(['tenant', 'create', 'cli-json', 'Siqueira Campos Imóveis', '--modules', 'crm']);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('already exists');
    const unreachable = kryonix(['tenant', 'list'], { KRYONIX_DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/none' });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^kryonix: /);
  });

  it('a bad setting the command reads stops it before anything starts: one line, exit 2; settings it does not read do not matter', async () => {
    const bad = kryonix(['tenant', 'create', 'cli-badset', 'X', '--modules', 'crm'], { KRYONIX_EMBEDDED_PORT: 'lots' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('kryonix: KRYONIX_EMBEDDED_PORT must be a port number (1-65535); got "lots".\n');
    const json = kryonix(['tenant', 'list', '--json'], { KRYONIX_DELETE_GRACE: 'forever' });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stderr)).toEqual({ error: { code: 'CONFIGURATION', message: expect.stringContaining('KRYONIX_DELETE_GRACE must be a duration') } });
    expect(await footprint('cli-badset')).toEqual({ databases: [], roles: [], schemas: [], registry: { clientes: 0, tenant_module_migrations: 0, api_keys: 0 }, files: false });
    // The data plane's metrics port is not a CLI setting: `tenant list` works, `up` refuses.
    const list = kryonix(['tenant', 'list', '--json'], { KRYONIX_DATA_METRICS_PORT: 'nope', KRYONIX_MAX_CONNECTIONS: 'abc' });
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    const up = kryonix(['up'], { KRYONIX_DATA_METRICS_PORT: 'nope' });
    expect(up.code).toBe(2);
    expect(up.stderr).toBe('kryonix: KRYONIX_DATA_METRICS_PORT must be a port number (1-65535), or 0 for any free port; got "nope".\n');
  });

  it('the servers refuse a bad setting at start with one line and exit code 2', () => {
    for (const [file, name, value, message] of [
      ['data-plane.js', 'KRYONIX_MAX_CONNECTIONS', 'abc', 'kryonix data plane: KRYONIX_MAX_CONNECTIONS must be a whole number from 2 to 100000, or unset to follow each server\'s max_connections; got "abc".'],
      ['control-plane.js', 'KRYONIX_JOB_POLL_MS', '-5', 'kryonix control plane: KRYONIX_JOB_POLL_MS must be a number of milliseconds from 0 to 604800000; got "-5".'],
    ]) {
      const r = spawnSync(process.execPath, [projectPath('dist', file!)], { env: { ...process.env, ...env.env, KRYONIX_OPERATOR_TOKEN: 'a-token-of-enough-length', [name!]: value }, encoding: 'utf8', timeout: 30_000 });
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`${message}\n`);
    }
  });

  it("writes a command's code cache only after a successful run", () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'kryonix-code-cache-'));
    expect(kryonix(['tenant', 'create', 'cli-cache', 'Cache', '--modules', 'crm', '--mode', 'schema']).code).toBe(0);
    try {
      const cached = () => readdirSync(cacheDir).filter((f) => f.endsWith('-tenant-show.bin'));
      expect(kryonix(['tenant', 'show', 'cli-nope'], { KRYONIX_CODE_CACHE_DIR: cacheDir }).code).toBe(1);
      expect(cached()).toEqual([]);
      expect(kryonix(['tenant', 'show', 'cli-cache', '--json'], { KRYONIX_CODE_CACHE_DIR: cacheDir }).code).toBe(0);
      expect(cached().length).toBeGreaterThan(0);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('options read their environment variables', () => {
    const r = kryonix(['tenant', 'create', 'cli-env', 'Env'], { KRYONIX_MODULES: 'crm,financeiro', KRYONIX_MODE: 'schema', KRYONIX_JSON: '1' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ mode: 'schema', schemas: ['cli_env_crm', 'cli_env_financeiro'] });
  });

  it('tenant list, show, log and module list', () => {
    const list = JSON.parse(kryonix(['tenant', 'list', '--json']).stdout) as Array<{ id: string; status: string }>;
    expect(list.map((t) => t.id)).toEqual(expect.arrayContaining(['cli-json', 'cli-human']));
    expect(JSON.stringify(list)).not.toContain('rolePasswordEnc');
    // --mode, and paging with --limit and --after (id order)
    const ids = list.map((t) => t.id).sort();
    const byMode = JSON.parse(kryonix(['tenant', 'list', '--mode', 'schema', '--json']).stdout) as Array<{ mode: string }>;
    expect(byMode.length).toBeGreaterThan(0);
    expect(byMode.every((t) => t.mode === 'schema')).toBe(true);
    const first = JSON.parse(kryonix(['tenant', 'list', '--limit', '1', '--json']).stdout) as Array<{ id: string }>;
    expect(first.map((t) => t.id)).toEqual([ids[0]]);
    const next = JSON.parse(kryonix(['tenant', 'list', '--after', ids[0]!, '--limit', '1', '--json']).stdout) as Array<{ id: string }>;
    expect(next.map((t) => t.id)).toEqual([ids[1]]);
    expect(kryonix(['tenant', 'list', '--limit', '0']).stderr).toContain('Invalid --limit "0"');
    const show = JSON.parse(kryonix(['tenant', 'show', 'cli-json', '--json']).stdout);
    expect(show).toMatchObject({ id: 'cli-json', status: 'active', mode: 'database' });
    expect(show.migrations).toHaveLength(8); // four modules at version 2
    expect(show.apiKeys[0].prefix).toMatch(/^sk_cli-json_[0-9a-f]{4}$/);
    expect(kryonix(['tenant', 'show', 'cli-nope']).code).toBe(1);
    // storage used and quota, as --help promises
    expect(show.storage.quotaBytes).toBe(5 * 1024 ** 3);
    expect(show.storage.usedBytes).toBeGreaterThan(1_000_000); // a database of its own: several MB
    const text = kryonix(['tenant', 'show', 'cli-json']).stdout;
    expect(text).toMatch(/^ {2}storage {3}\d+(\.\d)? MB of 5\.0 GB \(\d+\.\d%\)$/m);
    const log = kryonix(['tenant', 'log', 'cli-json']);
    expect(log.stdout).toContain('create_database');
    expect(log.stdout).toContain('processo_completo');
    const modules = JSON.parse(kryonix(['module', 'list', '--json']).stdout) as Array<{ name: string; version: number; tables: Record<string, unknown> }>;
    expect(modules.map((m) => m.name)).toEqual(['agendamento', 'crm', 'financeiro', 'whatsapp']);
    expect(Object.keys(modules.find((m) => m.name === 'crm')!.tables)).toEqual(['leads', 'oportunidades', 'atividades']);
  });
});

describe('lifecycle commands (in-process)', () => {
  it('suspend, resume, rotate-key, rotate-credentials and delete, each audited as the CLI user', async () => {
    expect(kryonix(['tenant', 'create', 'cli-life', 'Life', '--modules', 'crm', '--mode', 'schema']).code).toBe(0);
    expect(JSON.parse(kryonix(['tenant', 'suspend', 'cli-life', '--json']).stdout)).toEqual({ id: 'cli-life', status: 'suspended' });
    expect(kryonix(['tenant', 'resume', 'cli-life']).stdout).toBe('Tenant cli-life is active (in force on every data plane within 1 s).\n');
    const key = kryonix(['tenant', 'rotate-key', 'cli-life', '--json']);
    expect(JSON.parse(key.stdout).apiKey).toMatch(/^sk_cli-life_[0-9a-f]{32}$/);
    // a key inside its --overlap window still works: show says until when, not "revoked"
    expect(kryonix(['tenant', 'rotate-key', 'cli-life', '--overlap', '1h']).code).toBe(0);
    const keys = kryonix(['tenant', 'show', 'cli-life']).stdout.split('\n').find((l) => l.startsWith('  API keys'))!;
    expect(keys).toMatch(/sk_cli-life_[0-9a-f]{4}… active/);
    expect(keys).toMatch(/sk_cli-life_[0-9a-f]{4}… valid until \d{4}-\d\d-\d\dT/);
    expect(kryonix(['tenant', 'rotate-credentials', 'cli-life']).stdout).toContain('cliente_cli_life_user');
    expect(JSON.parse(kryonix(['tenant', 'rate-limit', 'cli-life', '600', '--json']).stdout)).toEqual({ id: 'cli-life', rateLimitPerMinute: 600 });
    expect(kryonix(['tenant', 'rate-limit', 'cli-life', 'default']).stdout).toContain('the default rate limit (in force on every data plane within 1 s), counted by each data-plane process on its own');
    expect(kryonix(['tenant', 'rate-limit', 'cli-life', 'lots']).code).toBe(2);
    // errors name the option or argument typed, and what is allowed (not the API's field names)
    const zero = kryonix(['tenant', 'rate-limit', 'cli-life', '0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toBe(`kryonix: Invalid limit "0": give 1 to 10,000,000 requests per minute (e.g. 600), or 'default'.\n`);
    const long = kryonix(['tenant', 'rotate-key', 'cli-life', '--overlap', '8d']);
    expect(long.code).toBe(2);
    expect(long.stderr).toBe('kryonix: Invalid --overlap "8d": at most 7d.\n');
    const deleted = JSON.parse(kryonix(['tenant', 'delete', 'cli-life', '--json']).stdout);
    expect(deleted).toMatchObject({ id: 'cli-life', status: 'deleting' });
    expect(new Date(deleted.purgeAfter).getTime()).toBeGreaterThan(Date.now() + 6 * 24 * 3600 * 1000); // 7 days by default
    // undelete within the grace period: back as it was (active, its role can log in again)
    expect(kryonix(['tenant', 'undelete', 'cli-life']).stdout).toBe('Tenant cli-life is back, active (in force on every data plane within 1 s).\n');
    expect(JSON.parse(kryonix(['tenant', 'show', 'cli-life', '--json']).stdout)).toMatchObject({ status: 'active', purgeAfter: null });
    expect(await withAdmin(async (c) => (await c.query(`SELECT rolcanlogin FROM pg_roles WHERE rolname = 'cliente_cli_life_user'`)).rows[0].rolcanlogin)).toBe(true);
    expect(kryonix(['tenant', 'undelete', 'cli-life']).code).toBe(3); // not deleted: conflict
    // a suspended tenant deleted and undeleted is suspended again
    kryonix(['tenant', 'suspend', 'cli-life']);
    kryonix(['tenant', 'delete', 'cli-life']);
    expect(JSON.parse(kryonix(['tenant', 'undelete', 'cli-life', '--json']).stdout)).toEqual({ id: 'cli-life', status: 'suspended' });
    expect(await withAdmin(async (c) => (await c.query(`SELECT rolcanlogin FROM pg_roles WHERE rolname = 'cliente_cli_life_user'`)).rows[0].rolcanlogin)).toBe(false);
    expect(JSON.parse(kryonix(['tenant', 'delete', 'cli-life', '--json']).stdout)).toMatchObject({ status: 'deleting' });
    expect(kryonix(['tenant', 'rotate-key', 'cli-life']).code).toBe(3); // deleting: conflict
    expect(kryonix(['tenant', 'suspend', 'cli-nobody']).code).toBe(1);
    const audit = await withAdmin(async (c) => (await c.query(`SELECT actor, action, outcome FROM tenant_management.audit_log WHERE target = 'cli-life' ORDER BY id`)).rows, env.config.registryDatabase);
    expect(audit.map((r) => `${r.action}:${r.outcome}`)).toEqual([
      'tenant.create:success',
      'tenant.suspend:success',
      'tenant.resume:success',
      'tenant.rotate_key:success',
      'tenant.rotate_key:success',
      'tenant.rotate_credentials:success',
      'tenant.set_rate_limit:success',
      'tenant.set_rate_limit:success',
      'tenant.delete:success',
      'tenant.undelete:success',
      'tenant.undelete:failure',
      'tenant.suspend:success',
      'tenant.delete:success',
      'tenant.undelete:success',
      'tenant.delete:success',
      'tenant.rotate_key:failure',
    ]);
    expect(audit.every((r) => r.actor.startsWith('cli:'))).toBe(true);
  });
});

describe('tenant modules (database mode)', () => {
  it('adds a module to the tenant database and detaches one', async () => {
    expect(kryonix(['tenant', 'create', 'cli-mods', 'Mods', '--modules', 'crm']).code).toBe(0);
    const add = kryonix(['tenant', 'modules', 'cli-mods', '--add', 'agendamento']);
    expect(add.stdout).toContain('Added: agendamento.');
    expect(await tableCounts('kryonix_cliente_cli_mods', ['agendamento', 'crm'])).toEqual({ agendamento: 6, crm: 3 });
    const remove = kryonix(['tenant', 'modules', 'cli-mods', '--remove', 'crm', '--json']);
    expect(JSON.parse(remove.stdout)).toMatchObject({ modules: ['agendamento'], removed: ['crm'], purged: [] });
    expect(kryonix(['tenant', 'modules', 'cli-mods', '--set', 'agendamento', '--purge']).code).toBe(2); // --purge needs --yes
    expect(kryonix(['tenant', 'modules', 'cli-mods']).code).toBe(2);
  });
});

describe('kryonix migrate and kryonix drift', () => {
  it('plans, migrates every crm tenant to a new version, exits 0, and drift reports a hand-made change with exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kx-cli-mods-'));
    try {
      cpSync(projectPath('sql', 'modules'), dir, { recursive: true });
      writeFileSync(join(dir, 'crm', '0003_lead_canal.sql.hbs'), 'ALTER TABLE {{schema}}.leads ADD COLUMN canal varchar(30);\n');
      const withV3 = { KRYONIX_MODULES_DIR: dir };
      const plan = JSON.parse(kryonix(['migrate', '--module', 'crm', '--dry-run', '--json'], withV3).stdout);
      expect(plan.target).toEqual({ crm: 3 });
      expect(plan.planned.length).toBeGreaterThan(2);
      const run = kryonix(['migrate', '--concurrency', '2', '--json'], withV3);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ failed: [], notAttempted: [] });
      const noop = kryonix(['migrate'], withV3);
      expect(noop.code).toBe(0);
      expect(noop.stdout).toContain('0 to migrate');
      expect(noop.stdout).toContain('Nothing to migrate: every selected tenant is at the target.');
      expect(noop.stdout).not.toContain('Migrated 0');
      expect(kryonix(['drift'], withV3).code).toBe(0);
      await withAdmin((c) => c.query('ALTER TABLE crm.leads DROP COLUMN canal'), 'kryonix_cliente_cli_json');
      const drift = kryonix(['drift', '--tenant', 'cli-json'], withV3);
      expect(drift.code).toBe(1);
      expect(drift.stdout).toContain('- column leads.canal character varying(30)');
      expect(kryonix(['migrate', '--concurrency', '0'], withV3).code).toBe(2);
      // a version one tenant's data cannot take: exit 1, the failure listed with the SQL error
      await withAdmin((c) => c.query(`INSERT INTO crm.leads (nome, email) VALUES ('a', 'dup@x.com'), ('b', 'dup@x.com')`), 'kryonix_cliente_cli_json');
      writeFileSync(join(dir, 'crm', '0004_email_unique.sql.hbs'), 'ALTER TABLE {{schema}}.leads ADD CONSTRAINT leads_email_key UNIQUE (email);\n');
      const failing = kryonix(['migrate', '--continue-on-error'], withV3);
      expect(failing.code).toBe(1);
      expect(failing.stdout).toMatch(/Failed \(1\):\n  cli-json: .*leads_email_key/);
      expect(failing.stdout.match(/^Target: /gm)).toHaveLength(1);
      expect(failing.stdout.indexOf('Target: ')).toBeLessThan(failing.stdout.indexOf('Failed (1)'));
      // on a terminal (script(1) gives it one) the plan comes above the progress bar, the outcome below it
      const quoted = [process.execPath, BIN, 'migrate', '--continue-on-error'].map((a) => `'${a}'`).join(' ');
      const tty = spawnSync('script', ['-qec', quoted, '/dev/null'], { env: { ...process.env, ...env.env, ...withV3 }, encoding: 'utf8', timeout: 60_000 });
      expect(tty.stdout.indexOf('Target: ')).toBeGreaterThanOrEqual(0);
      expect(tty.stdout.indexOf('Target: ')).toBeLessThan(tty.stdout.indexOf('migrating |'));
      expect(tty.stdout.indexOf('migrating |')).toBeLessThan(tty.stdout.indexOf('Failed (1)'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('crash recovery', () => {
  async function killMidway(id: string, mode: string): Promise<void> {
    const child: ChildProcess = spawn(process.execPath, [BIN, 'tenant', 'create', id, 'Crash', '--modules', 'crm,whatsapp', '--mode', mode], {
      env: { ...process.env, ...env.env, KRYONIX_FAILPOINTS: 'write_files=hang' },
      stdio: 'ignore',
    });
    const dir = join(env.config.outputDir, id);
    const deadline = Date.now() + 30_000;
    while (!existsSync(join(dir, 'sdk.env'))) {
      if (Date.now() > deadline) throw new Error('the create never reached write_files');
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const status = await withAdmin(async (c) => (await c.query('SELECT status FROM tenant_management.clientes WHERE id = $1', [id])).rows[0]?.status, env.config.registryDatabase);
    expect(status).toBe('provisioning');
  }

  it.each(['database', 'schema'])('a create killed with -9 (%s mode) is finished by kryonix tenant repair', async (mode) => {
    const id = `cli-kill-${mode}`;
    await killMidway(id, mode);
    const r = kryonix(['tenant', 'repair', id, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).apiKey).toMatch(new RegExp(`^sk_${id}_[0-9a-f]{32}$`));
    const f = await footprint(id);
    expect(f.registry).toEqual({ clientes: 1, tenant_module_migrations: 4, api_keys: 2 }); // crm and whatsapp at version 2
    expect(f.roles).toHaveLength(1);
    expect(f.files).toBe(true);
    const show = JSON.parse(kryonix(['tenant', 'show', id, '--json']).stdout);
    expect(show.status).toBe('active');
    // only the key shown by repair is live
    expect(show.apiKeys.filter((k: { revokedAt: string | null }) => !k.revokedAt)).toHaveLength(1);
  });

  it('a create killed with -9 is finished by re-running the same create', async () => {
    await killMidway('cli-rerun', 'database');
    const different = kryonix(['tenant', 'create', 'cli-rerun', 'Other name', '--modules', 'crm,whatsapp']);
    expect(different.code).toBe(3);
    const r = kryonix(['tenant', 'create', 'cli-rerun', 'Crash', '--modules', 'crm,whatsapp', '--json']);
    expect(r.code).toBe(0);
    expect((await footprint('cli-rerun')).databases).toEqual(['kryonix_cliente_cli_rerun']);
  });

  it('repair of a live tenant keeps its key and data', async () => {
    const r = kryonix(['tenant', 'repair', 'cli-json', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).apiKey).toBeUndefined();
    expect((await footprint('cli-json')).registry.api_keys).toBe(1);
    // as text, it says how to get a key that was never shown (a create killed right after issuing it)
    const text = kryonix(['tenant', 'repair', 'cli-json']);
    expect(text.stdout).toContain('API key   unchanged');
    expect(text.stdout).toContain('`kryonix tenant rotate-key cli-json` issues a new one');
  });
});
