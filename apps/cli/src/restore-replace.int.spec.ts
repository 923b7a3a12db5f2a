import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPath } from '@kryonix/platform';
import { TestEnv, createTestEnv, plannedReplaceNames, spawnControlPlane, withAdmin } from '@kryonix/testing';

/**
 * `kryonix tenant restore <file> --replace <id>` as an operator runs it, and a replace
 * killed with SIGKILL: inside the swap's transaction (repair undoes it: the tenant as it
 * was) and just after the swap's commit (repair finishes it: the backup's rows, the
 * replaced copy kept and its purge queued). One consistent tenant either way. And
 * `--replace --api`: the file uploaded, the replace run by the control plane as a job.
 */
const BIN = projectPath('bin', 'kryonix.js');
const DB = 'kryonix_cliente_cr_src';
let env: TestEnv;
let dir: string;
let file: string;

function kryonix(args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env.env, ...extra }, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const names = () => withAdmin(async (c) => (await c.query<{ nome: string }>(`SELECT nome FROM crm.leads ORDER BY nome`)).rows.map((r) => r.nome), DB);
/** The replace databases on the server that this spec's own replaces planned (other spec files share the server). */
async function replaceNames(): Promise<string[]> {
  const own = await plannedReplaceNames(env.config.registryDatabase);
  const names = await withAdmin(async (c) => (await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'kryonix\\_replace%' ORDER BY 1`)).rows.map((r) => r.datname));
  return names.filter((name) => own.has(name));
}
const registry = <R>(fn: Parameters<typeof withAdmin<R>>[0]) => withAdmin(fn, env.config.registryDatabase);

/** Polls `check` until it is true (a loaded machine: up to two minutes). */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Starts a replace that hangs at `failpoint`, waits for `reached`, then kills it with SIGKILL. */
async function killAt(failpoint: string, reached: () => Promise<boolean>): Promise<void> {
  const child = spawn(process.execPath, [BIN, 'tenant', 'restore', file, '--replace', 'cr-src'], { env: { ...process.env, ...env.env, KRYONIX_FAILPOINTS: `${failpoint}=hang` }, stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    await until(reached, failpoint);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

beforeAll(async () => {
  env = await createTestEnv('cli-rr');
  dir = mkdtempSync(join(tmpdir(), 'kryonix-cli-rr-'));
  const made = kryonix(['tenant', 'create', 'cr-src', 'Fonte Ltda', '--modules', 'crm']);
  if (made.code !== 0) throw new Error(made.stderr);
  await withAdmin((c) => c.query(`INSERT INTO crm.leads (nome) SELECT 'Lead ' || g FROM generate_series(1, 500) g`), DB);
  file = join(dir, 'src.kxbackup');
  const b = kryonix(['tenant', 'backup', 'cr-src', '--out', file]);
  if (b.code !== 0) throw new Error(b.stderr);
}, 300_000);
afterAll(async () => {
  await env?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** The tenant changes after the backup; returns its names then. */
async function changeRows(): Promise<string[]> {
  await withAdmin((c) => c.query(`DELETE FROM crm.leads WHERE nome LIKE 'Lead 1%'; INSERT INTO crm.leads (nome) VALUES ('after the backup ' || clock_timestamp())`), DB);
  return names();
}

it('restores over the tenant: its rows are the backup\'s, the same key, the replaced copy kept', async () => {
  const backedUp = await names();
  await changeRows();
  const r = kryonix(['tenant', 'restore', file, '--replace', 'cr-src', '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out).toMatchObject({ id: 'cr-src', role: 'cliente_cr_src_user', restoredFrom: { tenant: 'cr-src' }, replaced: { mode: 'database', database: expect.stringMatching(/^kryonix_replaced_/) } });
  expect(out.apiKey).toBeUndefined();
  expect(await names()).toEqual(backedUp);
  const text = kryonix(['tenant', 'restore', file, '--replace', 'cr-src']);
  expect(text.stdout).toContain('Replaced tenant cr-src');
  expect(text.stdout).toContain('API key   unchanged');
}, 300_000);

it('killed inside the swap\'s transaction: `tenant repair` undoes it, the tenant as it was, nothing left', async () => {
  const before = await changeRows();
  const kept = await replaceNames();
  // the swap's renames are done in its transaction when the process dies: the transaction goes with it
  const since = await registry(async (c) => (await c.query(`SELECT coalesce(max(id), 0)::text AS id FROM tenant_management.logs_auto_creation`)).rows[0].id as string);
  const prepared = () => registry(async (c) => (await c.query(`SELECT 1 FROM tenant_management.logs_auto_creation WHERE cliente_id = 'cr-src' AND acao = 'replace_prepare' AND status = 'sucesso' AND id > $1`, [since])).rowCount === 1);
  // its session sits in the open transaction, the renames done
  const inSwap = () => withAdmin(async (c) => (await c.query(`SELECT 1 FROM pg_stat_activity WHERE state = 'idle in transaction' AND query LIKE 'ALTER DATABASE "kryonix_replace_%RENAME TO "${DB}"'`)).rowCount === 1);
  await killAt('replace_swap', async () => (await prepared()) && (await inSwap()));
  // the incoming copy is there (prepared, renamed in the open transaction or not): the repair has something to undo
  expect((await replaceNames()).filter((n) => n.startsWith('kryonix_replace_'))).toHaveLength(1);
  const repaired = kryonix(['tenant', 'repair', 'cr-src']);
  expect(repaired.code).toBe(0);
  expect(await names()).toEqual(before);
  expect(await replaceNames()).toEqual(kept); // the incoming copy dropped, no new kept copy
  const log = await registry(async (c) => (await c.query(`SELECT acao FROM tenant_management.logs_auto_creation WHERE cliente_id = 'cr-src' AND acao = 'replace_desfeito' ORDER BY id DESC LIMIT 1`)).rows);
  expect(log).toEqual([{ acao: 'replace_desfeito' }]);
}, 300_000);

it('killed just after the swap\'s commit: `tenant repair` finishes it, the backup\'s rows, the copy kept and its purge queued', async () => {
  const prior = await replaceNames();
  const jobs = async () => registry(async (c) => Number((await c.query(`SELECT count(*) AS n FROM tenant_management.jobs WHERE kind = 'purge_replaced_copy' AND tenant_id = 'cr-src'`)).rows[0].n));
  const queued = await jobs();
  await changeRows();
  // swapped: a new kept copy is there and no incoming one is left
  await killAt('replace_swapped', async () => {
    const now = await replaceNames();
    return now.length === prior.length + 1 && now.every((n) => n.startsWith('kryonix_replaced_'));
  });
  expect(await jobs()).toBe(queued); // the registry was not told yet
  const repaired = kryonix(['tenant', 'repair', 'cr-src']);
  expect(repaired.code).toBe(0);
  expect(await jobs()).toBe(queued + 1);
  expect((await names()).some((n) => n.startsWith('after the backup'))).toBe(false);
  expect(await names()).toHaveLength(500);
  const status = await registry(async (c) => (await c.query(`SELECT status FROM tenant_management.clientes WHERE id = 'cr-src'`)).rows[0].status);
  expect(status).toBe('active');
}, 300_000);

describe('--replace --api: uploaded, then replaced by a durable job of the control plane', () => {
  const TOKEN = 'cli-rr-api-token-0123456789';
  let plane: { child: import('node:child_process').ChildProcess; url: string };
  const api = (args: string[]) => kryonix([...args, '--api', plane.url, '--token', TOKEN]);

  beforeAll(async () => {
    plane = await spawnControlPlane({ ...env.env, KRYONIX_OPERATOR_TOKEN: TOKEN, KRYONIX_JOB_POLL_MS: '50', KRYONIX_BACKUP_DIR: join(dir, 'plane-backups') });
  }, 180_000);
  afterAll(async () => {
    plane?.child.kill('SIGTERM');
    if (plane && plane.child.exitCode === null) await new Promise((r) => plane.child.once('exit', r));
  });

  it("restores over the tenant: the backup's rows, its key hashes kept, the replaced copy kept and its purge queued, audited", async () => {
    const keys = () => registry(async (c) => (await c.query(`SELECT key_hash FROM tenant_management.api_keys WHERE cliente_id = 'cr-src' ORDER BY key_hash`)).rows);
    const before = await keys();
    const purges = async () => registry(async (c) => Number((await c.query(`SELECT count(*) AS n FROM tenant_management.jobs WHERE kind = 'purge_replaced_copy' AND tenant_id = 'cr-src'`)).rows[0].n));
    const queued = await purges();
    await changeRows();
    const r = api(['tenant', 'restore', file, '--replace', 'cr-src', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ id: 'cr-src', role: 'cliente_cr_src_user', restoredFrom: { tenant: 'cr-src' }, replaced: { mode: 'database', database: expect.stringMatching(/^kryonix_replaced_/) } });
    expect(out.apiKey).toBeUndefined();
    expect(await names()).toHaveLength(500);
    expect((await names()).some((n) => n.startsWith('after the backup'))).toBe(false);
    expect(await keys()).toEqual(before);
    expect(await purges()).toBe(queued + 1);
    const audit = await registry(async (c) => (await c.query(`SELECT door, target, outcome, status_code, details->>'replace' AS replace FROM tenant_management.audit_log WHERE action = 'tenant.restore' AND details ? 'replace' AND door = 'http' ORDER BY at`)).rows);
    expect(audit).toEqual([{ door: 'http', target: 'cr-src', outcome: 'success', status_code: 202, replace: 'true' }]);
    // the text output, as in-process
    const text = api(['tenant', 'restore', file, '--replace', 'cr-src']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Replaced tenant cr-src');
    expect(text.stdout).toContain('API key   unchanged');
  }, 300_000);

  it("refuses another tenant's id, --as with it, and an unknown tenant, before anything is queued (exit codes as in-process)", async () => {
    const jobs = async () => registry(async (c) => Number((await c.query(`SELECT count(*) AS n FROM tenant_management.jobs WHERE kind = 'restore_tenant'`)).rows[0].n));
    const queued = await jobs();
    const other = kryonix(['tenant', 'create', 'cr-other', 'Outra Ltda', '--modules', 'crm']);
    expect(other.code).toBe(0);
    expect(api(['tenant', 'restore', file, '--replace', 'cr-other'])).toMatchObject({ code: 2, stderr: expect.stringContaining('The backup is of tenant "cr-src", not "cr-other"') });
    expect(api(['tenant', 'restore', file, '--replace', 'cr-src', '--as', 'cr-x'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--as and --replace cannot be given together') });
    expect(api(['tenant', 'restore', file, '--replace', 'cr-src', '--mode', 'schema'])).toMatchObject({ code: 2, stderr: expect.stringContaining("keeps the tenant's mode") });
    expect(await jobs()).toBe(queued);
  }, 300_000);
});
