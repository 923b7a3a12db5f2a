import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPath } from '@kryonix/platform';
import { TestEnv, createTestEnv, spawnControlPlane, withAdmin } from '@kryonix/testing';

const BIN = projectPath('bin', 'kryonix.js');
let env: TestEnv;
let dir: string;

beforeAll(async () => {
  env = await createTestEnv('cli-bk');
  dir = mkdtempSync(join(tmpdir(), 'kryonix-cli-bk-'));
});
afterAll(async () => {
  await env.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function kryonix(args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env.env, ...extra }, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
/** The CLI without blocking this process (so it can write to the source meanwhile). */
function kryonixAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
const leads = (database: string) => withAdmin(async (c) => (await c.query(`SELECT nome, email, orcamento::text, created_at::text FROM crm.leads ORDER BY nome`)).rows, database);
const owned = async (id: string) => {
  const u = id.replace(/-/g, '_');
  const db = await withAdmin((c) => c.query(`SELECT datname AS x FROM pg_database WHERE datname = $1 UNION ALL SELECT rolname FROM pg_roles WHERE rolname = $2`, [`kryonix_cliente_${u}`, `cliente_${u}_user`]));
  const reg = await withAdmin((c) => c.query(`SELECT status AS x FROM tenant_management.clientes WHERE id = $1`, [id]), env.config.registryDatabase);
  return [...db.rows, ...reg.rows].map((r) => r.x);
};

describe('kryonix tenant backup / restore', () => {
  beforeAll(async () => {
    const made = kryonix(['tenant', 'create', 'cb-src', 'Fonte Ltda', '--modules', 'crm']);
    if (made.code !== 0) throw new Error(made.stderr);
    await withAdmin((c) => c.query(`INSERT INTO crm.leads (nome, email, orcamento) SELECT 'Lead ' || g || ' ção', CASE WHEN g % 2 = 0 THEN NULL ELSE 'l' || g || '@x.br' END, g * 10.25 FROM generate_series(1, 2000) g`), 'kryonix_cliente_cb_src');
  });

  it('backs up with a line per table, and restores under a new id with its key shown once', async () => {
    const out = join(dir, 'src.kxbackup');
    const b = kryonix(['tenant', 'backup', 'cb-src', '--out', out]);
    expect(b.code).toBe(0);
    expect(b.stderr).toMatch(/crm\.leads +2000 rows/);
    expect(b.stdout).toContain(`Backed up cb-src: 3 tables, 2000 rows`);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const r = kryonix(['tenant', 'restore', out, '--as', 'cb-copy', '--mode', 'schema', '--json']);
    expect(r.stderr).toBe('');
    const restored = JSON.parse(r.stdout);
    expect(restored).toMatchObject({ id: 'cb-copy', mode: 'schema', rows: 2000, restoredFrom: { tenant: 'cb-src' } });
    expect(restored.apiKey).toMatch(/^sk_cb-copy_/);
    const copied = await withAdmin(async (c) => (await c.query(`SELECT nome, email, orcamento::text, created_at::text FROM cb_copy_crm.leads ORDER BY nome`)).rows, 'kryonix_tenants');
    expect(copied).toEqual(await leads('kryonix_cliente_cb_src'));
  });

  it('refuses a wrong passphrase (exit 2) and a file that is not a backup, leaving nothing', () => {
    const pass = join(dir, 'pass');
    writeFileSync(pass, 'twelve chars or more\n', { mode: 0o600 });
    const out = join(dir, 'pass.kxbackup');
    expect(kryonix(['tenant', 'backup', 'cb-src', '--out', out, '--passphrase-file', pass]).code).toBe(0);
    writeFileSync(pass, 'another passphrase here\n');
    const wrong = kryonix(['tenant', 'restore', out, '--as', 'cb-wrong', '--passphrase-file', pass]);
    expect(wrong).toMatchObject({ code: 2, stderr: expect.stringContaining('Wrong passphrase for this backup.') });
    const junk = join(dir, 'junk');
    writeFileSync(junk, 'hello');
    expect(kryonix(['tenant', 'restore', junk, '--as', 'cb-junk']).stderr).toContain('Not a Kryonix backup file');
    return expect(Promise.all([owned('cb-wrong'), owned('cb-junk')])).resolves.toEqual([[], []]);
  });

  it('a restore killed with SIGKILL mid-way is undone by `tenant repair`: nothing is left', async () => {
    const out = join(dir, 'kill.kxbackup');
    expect(kryonix(['tenant', 'backup', 'cb-src', '--out', out]).code).toBe(0);
    // load_data=hang: the rows are in, the run is stuck before its key and activation; then kill -9
    const child = spawn(process.execPath, [BIN, 'tenant', 'restore', out, '--as', 'cb-killed'], { env: { ...process.env, ...env.env, KRYONIX_FAILPOINTS: 'load_data=hang' }, stdio: 'ignore' });
    const loaded = async () => withAdmin(async (c) => Number((await c.query(`SELECT count(*) AS n FROM crm.leads`)).rows[0].n), 'kryonix_cliente_cb_killed').catch(() => 0);
    for (let i = 0; i < 600 && (await loaded()) < 2000; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await loaded()).toBe(2000);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(await owned('cb-killed')).toEqual(expect.arrayContaining(['provisioning', 'kryonix_cliente_cb_killed']));
    const repaired = kryonix(['tenant', 'repair', 'cb-killed']);
    expect(repaired.stdout).toContain('Undid the restore of cb-killed that was cut short: nothing of it is left.');
    expect(repaired.code).toBe(0);
    expect(await owned('cb-killed')).toEqual([]);
    // and it can be restored again
    expect(kryonix(['tenant', 'restore', out, '--as', 'cb-killed']).code).toBe(0);
    expect(await owned('cb-killed')).toEqual(expect.arrayContaining(['active', 'kryonix_cliente_cb_killed']));
  });

  it('clones a tenant while it takes writes: a consistent copy with its own role and key, the source untouched', async () => {
    let writes = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        await withAdmin((c) => c.query(`INSERT INTO crm.leads (nome) VALUES ('during clone ' || clock_timestamp())`), 'kryonix_cliente_cb_src');
        writes++;
      }
    })();
    const before = (await leads('kryonix_cliente_cb_src')).length;
    const during = writes;
    const c = await kryonixAsync(['tenant', 'clone', 'cb-src', 'cb-clone', '--name', 'Demo', '--json']);
    writing = false;
    await writer;
    expect(writes - during).toBeGreaterThan(10); // the source took writes all along
    expect(c.stderr).toBe('');
    const cloned = JSON.parse(c.stdout);
    expect(cloned).toMatchObject({ id: 'cb-clone', name: 'Demo', role: 'cliente_cb_clone_user', restoredFrom: { tenant: 'cb-src' } });
    expect(cloned.apiKey).toMatch(/^sk_cb-clone_/);
    const copy = (await leads('kryonix_cliente_cb_clone')).length;
    const after = (await leads('kryonix_cliente_cb_src')).length;
    expect(writes).toBeGreaterThan(0);
    expect(copy).toBeGreaterThanOrEqual(before);
    expect(copy).toBeLessThanOrEqual(after);
    expect(cloned.rows).toBe(copy);
  });
});

describe('through --api: the control plane runs the jobs, files go up and down', () => {
  const TOKEN = 'cli-bk-api-token-0123456789';
  let plane: { child: import('node:child_process').ChildProcess; url: string };
  const api = (args: string[], extra: Record<string, string> = {}) => kryonix([...args, '--api', plane.url, '--token', TOKEN], extra);
  // the control plane keeps its backups in a folder of its own; the CLI's is another
  const planeDir = () => join(dir, 'plane-backups');

  beforeAll(async () => {
    plane = await spawnControlPlane({ ...env.env, KRYONIX_OPERATOR_TOKEN: TOKEN, KRYONIX_JOB_POLL_MS: '50', KRYONIX_BACKUP_DIR: planeDir() });
  });
  afterAll(async () => {
    plane?.child.kill('SIGTERM');
    if (plane && plane.child.exitCode === null) await new Promise((r) => plane.child.once('exit', r));
  });

  it('tenant backup --api: a job on the control plane, then the file downloaded to --out (0600), a line per table', () => {
    const out = join(dir, 'api', 'src.kxbackup');
    const b = api(['tenant', 'backup', 'cb-src', '--out', out]);
    expect(b.stderr).toMatch(/Backing up tenant cb-src on the control plane\n/);
    expect(b.stderr).toMatch(/crm\.leads +\d+ rows/);
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/Backed up cb-src: 3 tables, \d+ rows, \d+ bytes/);
    expect(b.stdout).toContain(out);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const kept = readdirSync(planeDir()).filter((f) => f.endsWith('.kxbackup'));
    expect(kept).toHaveLength(1);
    expect(readFileSync(out).equals(readFileSync(join(planeDir(), kept[0]!)))).toBe(true);
    // without --out: this machine's KRYONIX_BACKUP_DIR, named by the backup's id
    const json = JSON.parse(api(['tenant', 'backup', 'cb-src', '--json']).stdout);
    expect(json.file).toBe(join(env.config.backupDir, `${json.backupId}.kxbackup`));
    expect(existsSync(json.file)).toBe(true);
    expect(json).toMatchObject({ tenant: 'cb-src', encryption: 'master-key', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('tenant restore <file> --api: uploaded, restored by the job, its steps printed and its key shown once', async () => {
    const out = join(dir, 'api', 'src.kxbackup');
    const r = api(['tenant', 'restore', out, '--as', 'cb-api-copy', '--mode', 'schema']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`Uploading ${out} to the control plane`);
    expect(r.stdout).toMatch(/✔ load_data/);
    expect(r.stdout).toMatch(/sk_cb-api-copy_[0-9a-f]{32}/);
    expect(r.stdout).toContain('from      cb-src');
    const copied = await withAdmin(async (c) => (await c.query(`SELECT nome, email, orcamento::text, created_at::text FROM cb_api_copy_crm.leads ORDER BY nome`)).rows, 'kryonix_tenants');
    expect(copied.length).toBeGreaterThanOrEqual(2000);
    // a damaged file is refused by the upload (exit 2), nothing made
    const damaged = join(dir, 'api', 'damaged.kxbackup');
    const bytes = readFileSync(out);
    bytes[bytes.length - 200]! ^= 0x10;
    writeFileSync(damaged, bytes);
    const bad = api(['tenant', 'restore', damaged, '--as', 'cb-api-bad']);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringMatching(/damaged|authenticat/i) });
    expect(await owned('cb-api-bad')).toEqual([]);
    expect(api(['tenant', 'restore', join(dir, 'missing.kxbackup'), '--as', 'cb-api-none'])).toMatchObject({ code: 2, stderr: expect.stringContaining('Cannot read the backup file') });
  });

  it('tenant clone --api: a job; the copy with its own key', async () => {
    const c = api(['tenant', 'clone', 'cb-src', 'cb-api-clone', '--name', 'Demo API', '--json']);
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);
    const cloned = JSON.parse(c.stdout);
    expect(cloned).toMatchObject({ id: 'cb-api-clone', name: 'Demo API', restoredFrom: { tenant: 'cb-src' } });
    expect(cloned.apiKey).toMatch(/^sk_cb-api-clone_/);
    expect(await owned('cb-api-clone')).toEqual(expect.arrayContaining(['active', 'kryonix_cliente_cb_api_clone']));
    expect(api(['tenant', 'clone', 'cb-src', 'cb-api-clone'])).toMatchObject({ code: 3, stderr: expect.stringContaining('already exists') });
  });
});
