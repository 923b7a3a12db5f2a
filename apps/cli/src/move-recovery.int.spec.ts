import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { COPY_PROGRESS, ExtraPostgres, MoveServers, NONE, createTestEnv, startExtraPostgres, until, writeCounterModules } from '@kryonix/testing';

/**
 * kill -9 of the process running a move at the end of each of its phases (the failpoint
 * `<phase>=hang` stops it right after the phase's work is recorded), then recovery by
 * `kryonix tenant repair` or by the next control plane's job worker: the tenant ends moved
 * or served from the source, and nothing of the move is left on either server.
 */

let s: MoveServers;
let b: ExtraPostgres;
let modulesDir: string;

/** The phases (and a point within the cut-over), and what the registry says once that work is done (the failpoint then hangs). */
const PHASES = [
  { phase: 'prepare_target', recorded: `phase = 'prepare_target' AND details ? 'prepare_target'`, switched: false },
  { phase: 'copy', recorded: `phase = 'copy' AND details ? 'copy'`, switched: false },
  // within the cut-over: the source's writes stopped (the tenant role's rights there taken), the registry not yet switched
  { phase: 'cut_over_switch', recorded: `phase = 'cut_over' AND attempts > 0`, switched: false },
  { phase: 'cut_over', recorded: `phase = 'verify' AND details ? 'cut_over'`, switched: true },
  { phase: 'verify', recorded: `phase = 'verify' AND details ? 'verify'`, switched: true },
  { phase: 'clean_up', recorded: `phase = 'clean_up' AND details ? 'clean_up'`, switched: true },
] as const;

async function raiseWorkerLimits(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('ALTER SYSTEM SET max_worker_processes = 32');
    await client.query('ALTER SYSTEM SET max_logical_replication_workers = 24');
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  const [env, extra] = await Promise.all([createTestEnv('move-recovery'), startExtraPostgres('recover-b')]);
  b = extra;
  // five moves at once, and the subscriptions of killed ones until they are repaired: each takes an apply worker and up to two copy workers
  await raiseWorkerLimits(b.url);
  await b.stop();
  await b.start();
  modulesDir = writeCounterModules('recover');
  s = new MoveServers(env, { KRYONIX_MODULES_DIR: modulesDir });
  s.add('pg-b', b);
}, 180_000);
afterAll(async () => {
  await Promise.all([s?.env.cleanup(), b?.destroy()]);
  rmSync(modulesDir, { recursive: true, force: true });
});

const databaseOf = (id: string, mode: 'database' | 'schema') => (mode === 'database' ? `kryonix_cliente_${id.replace(/-/g, '_')}` : 'kryonix_tenants');
const contagens = (id: string, mode: 'database' | 'schema') => (mode === 'database' ? 'contador.contagens' : `${id.replace(/-/g, '_')}_contador.contagens`);

/** Whether a case's move has done its phase's work (and hangs at its failpoint). */
async function reached(c: { id: string; mode: 'database' | 'schema'; phase: string; recorded: string }): Promise<unknown[]> {
  const rows = await s.registry(`SELECT 1 FROM tenant_management.moves WHERE tenant_id = $1 AND ${c.recorded}`, [c.id]);
  if (!rows.length || c.phase !== 'cut_over_switch') return rows;
  const role = `cliente_${c.id.replace(/-/g, '_')}_user`;
  return s.on('default', `SELECT 1 WHERE NOT has_table_privilege($1, $2, 'INSERT')`, [role, contagens(c.id, c.mode)], databaseOf(c.id, c.mode));
}

/** A tenant with 50 counted rows on `default`. */
async function seeded(id: string, mode: 'database' | 'schema'): Promise<void> {
  const made = s.kryonix(['tenant', 'create', id, id, '--modules', 'crm,contador', '--mode', mode, '--server', 'default']);
  if (made.code !== 0) throw new Error(made.stderr);
  await s.on('default', `INSERT INTO ${contagens(id, mode)} (nome) SELECT 'c' || g FROM generate_series(1, 50) g`, [], databaseOf(id, mode));
}

/** Served from where the registry says, with its rows and its sequence; nothing of a move on either server. */
async function expectSettled(id: string, mode: 'database' | 'schema', where: string): Promise<void> {
  expect(await s.serverOf(id)).toBe(where);
  expect(await s.registry(`SELECT phase FROM tenant_management.moves WHERE tenant_id = $1 AND phase NOT IN ('done', 'failed')`, [id])).toEqual([]);
  expect(await s.leftoversEverywhere(databaseOf(id, mode))).toEqual({ default: NONE, 'pg-b': NONE });
  const client = await s.asTenant(id, where, databaseOf(id, mode));
  try {
    expect((await client.query(`SELECT count(*)::int AS n FROM ${contagens(id, mode)}`)).rows[0].n).toBe(50);
    expect((await client.query(`INSERT INTO ${contagens(id, mode)} (nome) VALUES ('after') RETURNING id`)).rows[0].id).toBe(51);
  } finally {
    await client.end();
  }
  const other = where === 'default' ? 'pg-b' : 'default';
  if (mode === 'database' && !(await s.registry(`SELECT 1 FROM tenant_management.moves WHERE tenant_id = $1 AND phase = 'done' AND source = $2`, [id, other])).length) {
    // rolled back (or never left): the other server has no copy of it
    expect(await s.on(other, `SELECT 1 FROM pg_database WHERE datname = $1`, [databaseOf(id, mode)])).toEqual([]);
  }
}

describe('a move whose process is killed with -9 at each phase', () => {
  it('kryonix tenant repair finishes it (after the switch) or rolls it back (before), nothing left on either server', async () => {
    const cases = PHASES.map((p, i) => ({ ...p, id: `rc-${i}`, mode: (i % 2 ? 'schema' : 'database') as 'database' | 'schema' }));
    for (const c of cases) await seeded(c.id, c.mode);
    // each move in its own CLI process, hanging at its phase's end; all of them dead before any is repaired
    for (const c of cases) {
      const { child, exited } = s.spawn(['tenant', 'move', c.id, '--to', 'pg-b'], { KRYONIX_FAILPOINTS: `${c.phase}=hang` });
      await until(() => reached(c), `the move of ${c.id} never ended ${c.phase}`).finally(() => child.kill('SIGKILL'));
      await exited;
    }
    // a dead move is still under way: another one is refused until it is repaired
    const again = s.kryonix(['tenant', 'move', 'rc-0', '--to', 'pg-b']);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('Tenant "rc-0" is being moved to server "pg-b"');

    for (const c of cases) {
      const repaired = s.kryonix(['tenant', 'repair', c.id]);
      expect({ phase: c.phase, stderr: repaired.stderr, code: repaired.code }).toEqual({ phase: c.phase, stderr: '', code: 0 });
      expect(repaired.stdout).toContain(c.switched ? 'clean_up' : 'roll_back');
      expect(await s.registry(`SELECT phase FROM tenant_management.moves WHERE tenant_id = $1`, [c.id])).toEqual([{ phase: c.switched ? 'done' : 'failed' }]);
    }
    // once all are repaired (a move's slot and role are named after the move, not the tenant)
    for (const c of cases) await expectSettled(c.id, c.mode, c.switched ? 'pg-b' : 'default');
    // a repaired tenant moves again like any other
    const moved = s.kryonix(['tenant', 'move', 'rc-0', '--to', 'pg-b', '--json']);
    expect(moved.stderr.replace(COPY_PROGRESS, '')).toBe('');
    expect(JSON.parse(moved.stdout)).toMatchObject({ outcome: 'moved', target: 'pg-b', verified: true });
  }, 900_000);

  it('the next control plane\'s job worker finishes or rolls back and moves again a job whose control plane was killed', async () => {
    const cases = PHASES.map((p, i) => ({ ...p, id: `rj-${i}`, mode: (i % 2 ? 'database' : 'schema') as 'database' | 'schema' }));
    for (const c of cases) await seeded(c.id, c.mode);
    const jobs: string[] = [];
    // one control plane after another, each hanging its job at one phase; none takes over another's job meanwhile
    for (const c of cases) {
      const plane = await s.controlPlane({ KRYONIX_JOB_POLL_MS: '50', KRYONIX_JOB_HEARTBEAT_MS: '200', KRYONIX_JOB_STALE_MS: '3600000', KRYONIX_FAILPOINTS: `${c.phase}=hang` });
      try {
        const queued = await s.api(plane.url, 'POST', `/v1/tenants/${c.id}/move`, { to: 'pg-b' });
        expect(queued.status).toBe(202);
        jobs.push((queued.body as { id: string }).id);
        await until(() => reached(c), `the job of ${c.id} never ended ${c.phase}`);
      } finally {
        plane.child.kill('SIGKILL');
        await new Promise((resolve) => (plane.child.exitCode !== null ? resolve(null) : plane.child.once('exit', resolve)));
      }
    }
    const plane = await s.controlPlane({ KRYONIX_JOB_POLL_MS: '50', KRYONIX_JOB_HEARTBEAT_MS: '200', KRYONIX_JOB_STALE_MS: '1500' });
    try {
      for (const [i, c] of cases.entries()) {
        const deadline = Date.now() + 600_000;
        let job: { status: string; result: Record<string, unknown> | null; error?: unknown };
        for (;;) {
          job = (await s.api(plane.url, 'GET', `/v1/jobs/${jobs[i]}`)).body as typeof job;
          if (job.status === 'succeeded' || job.status === 'failed') break;
          if (Date.now() > deadline) throw new Error(`job of ${c.id} still ${job.status}`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        // before the switch: rolled back, then moved by the job's retry; after it: finished
        expect({ phase: c.phase, status: job.status, outcome: job.result?.outcome, target: job.result?.target }).toEqual({ phase: c.phase, status: 'succeeded', outcome: 'moved', target: 'pg-b' });
        const rows = await s.registry<{ phase: string }>(`SELECT phase FROM tenant_management.moves WHERE tenant_id = $1 ORDER BY created_at`, [c.id]);
        expect(rows.map((r) => r.phase)).toEqual(c.switched ? ['done'] : ['failed', 'done']);
      }
      for (const c of cases) await expectSettled(c.id, c.mode, 'pg-b');
    } finally {
      plane.child.kill('SIGTERM');
    }
  }, 900_000);
});

describe('kryonix migrate across servers with a tenant whose move died', () => {
  it('skips the moving tenant (reported as moving), migrates the others on both servers, and the next run picks it up once moved', async () => {
    await seeded('mg-moving', 'database');
    await seeded('mg-here', 'schema');
    const there = s.kryonix(['tenant', 'create', 'mg-there', 'mg-there', '--modules', 'crm,contador', '--server', 'pg-b']);
    expect(there.code).toBe(0);
    const jobSettings = { KRYONIX_JOB_POLL_MS: '50', KRYONIX_JOB_HEARTBEAT_MS: '200' };
    const first = await s.controlPlane({ ...jobSettings, KRYONIX_JOB_STALE_MS: '3600000', KRYONIX_FAILPOINTS: 'copy=hang' });
    let job: string;
    try {
      const queued = await s.api(first.url, 'POST', '/v1/tenants/mg-moving/move', { to: 'pg-b' });
      expect(queued.status).toBe(202);
      job = (queued.body as { id: string }).id;
      await until(() => s.registry(`SELECT 1 FROM tenant_management.moves WHERE tenant_id = 'mg-moving' AND phase = 'copy' AND details ? 'copy'`), 'the move never copied');
    } finally {
      first.child.kill('SIGKILL');
    }

    // a new migration of the module all three use (a move carries no DDL)
    writeFileSync(join(modulesDir, 'contador', '0002_extra.sql.hbs'), 'ALTER TABLE {{schema}}.contagens ADD COLUMN extra text;\n');
    const args = ['migrate', '--json', '--tenant', 'mg-moving', '--tenant', 'mg-here', '--tenant', 'mg-there'];
    const run = s.kryonix(args);
    expect(run.stderr.replace(COPY_PROGRESS, '')).toBe('');
    const report = JSON.parse(run.stdout) as { migrated: string[]; skipped: unknown[]; failed: unknown[] };
    expect(report).toMatchObject({ skipped: [{ tenant: 'mg-moving', reason: 'moving' }], failed: [] });
    expect([...report.migrated].sort()).toEqual(['mg-here', 'mg-there']);
    const hasExtra = (server: string, database: string, schema: string) =>
      s.on(server, `SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'contagens' AND column_name = 'extra'`, [schema], database);
    expect(await hasExtra('default', 'kryonix_tenants', 'mg_here_contador')).toHaveLength(1);
    expect(await hasExtra('pg-b', 'kryonix_cliente_mg_there', 'contador')).toHaveLength(1);
    expect(await hasExtra('default', 'kryonix_cliente_mg_moving', 'contador')).toEqual([]);
    expect(s.kryonix(args.filter((a) => a !== '--json')).stdout).toContain('Skipped (1), picked up by the next run: mg-moving (moving).');

    // the next control plane rolls the dead move back and moves the tenant again (at its ledger's versions)
    const second = await s.controlPlane({ ...jobSettings, KRYONIX_JOB_STALE_MS: '1500' });
    try {
      await until(async () => ((await s.api(second.url, 'GET', `/v1/jobs/${job}`)).body as { status: string }).status === 'succeeded' ? [1] : [], 'the move job never succeeded', 300_000);
    } finally {
      second.child.kill('SIGTERM');
    }
    expect(await s.serverOf('mg-moving')).toBe('pg-b');
    expect(await hasExtra('pg-b', 'kryonix_cliente_mg_moving', 'contador')).toEqual([]);
    const next = s.kryonix(args);
    expect(next.stderr.replace(COPY_PROGRESS, '')).toBe('');
    expect(JSON.parse(next.stdout)).toMatchObject({ migrated: ['mg-moving'], skipped: [], failed: [] });
    expect(await hasExtra('pg-b', 'kryonix_cliente_mg_moving', 'contador')).toHaveLength(1);
    expect(await s.leftoversEverywhere('kryonix_cliente_mg_moving')).toEqual({ default: NONE, 'pg-b': NONE });
  }, 600_000);
});
