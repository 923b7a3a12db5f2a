import { Client } from 'pg';
import { moveObjectName } from '@kryonix/fleet';
import { ExtraPostgres, MoveServers, NONE, createTestEnv, startExtraPostgres, until } from '@kryonix/testing';

/**
 * A server of a move stops while its initial copy is under way. To catch the copy in the
 * middle every time, a session on the target holds `LOCK TABLE crm.leads IN SHARE MODE`
 * (taken once the target's tables are made, before the publication exists): the
 * subscription is made (its ACCESS SHARE passes) and the copy worker of crm.leads marks
 * it 'd' (copying) and then waits for that lock (its ROW EXCLUSIVE) before it reads a row.
 * Only once that wait is seen is the server stopped; the lock is let go after. After the
 * switch, the same with the clean-up's DROP SUBSCRIPTION waiting behind a lock on the
 * subscription.
 */

let s: MoveServers;
let a: ExtraPostgres;
let b: ExtraPostgres;

beforeAll(async () => {
  const [env, ...extra] = await Promise.all([createTestEnv('move-source-down'), startExtraPostgres('down-a'), startExtraPostgres('down-b')]);
  [a, b] = extra;
  s = new MoveServers(env);
  s.add('pg-a', a);
  s.add('pg-b', b);
}, 180_000);
// a spec that failed half-way leaves a server stopped for the next
afterEach(async () => {
  await a.start();
  await b.start();
}, 120_000);
afterAll(async () => {
  await Promise.all([s?.env.cleanup(), a?.destroy(), b?.destroy()]);
});

const ROWS = 50_000;
const databaseOf = (id: string) => `kryonix_cliente_${id.replace(/-/g, '_')}`;

/** The error a CLI run ended with (its last line of stderr, JSON), or the whole of stderr when there is none. */
function errorOf(stderr: string): { code?: string; message: string } {
  const last = stderr.trim().split('\n').pop() ?? '';
  try {
    return (JSON.parse(last) as { error: { code: string; message: string } }).error;
  } catch {
    return { message: stderr };
  }
}

type CliRun = { code: number | null; stdout: string; stderr: string };

interface HeldCopy<R> {
  moved: Promise<R>;
  /** Lets the copy worker go (after the server was stopped). */
  release(): Promise<void>;
}

/** A tenant on pg-a with ROWS leads, and a move of it to pg-b whose copy of crm.leads is under way and held (see above). */
async function copyUnderWay(id: string): Promise<HeldCopy<CliRun>>;
async function copyUnderWay<R>(id: string, start: () => Promise<R>): Promise<HeldCopy<R>>;
async function copyUnderWay(id: string, start?: () => Promise<unknown>): Promise<HeldCopy<unknown>> {
  const made = s.kryonix(['tenant', 'create', id, id, '--modules', 'crm', '--server', 'pg-a']);
  if (made.code !== 0) throw new Error(made.stderr);
  const database = databaseOf(id);
  await s.on('pg-a', `INSERT INTO crm.leads (nome, email) SELECT 'lead número ' || g, 'l' || g || '@exemplo.test' FROM generate_series(1, ${ROWS}) g`, [], database);
  // the pause after prepare_target (3 s, KRYONIX_FAILPOINTS) leaves time to take the lock before the publication is made
  const moved = start ? start() : s.kryonixAsync(['tenant', 'move', id, '--to', 'pg-b', '--json'], { KRYONIX_FAILPOINTS: 'prepare_target=pause' });
  let exited = false;
  void moved.then(() => (exited = true));
  await until(() => s.registry(`SELECT 1 FROM tenant_management.moves WHERE tenant_id = $1 AND details ? 'prepare_target'`, [id]), 'prepare_target never ended', 180_000);
  const holder = new Client({ connectionString: s.url('pg-b', database) });
  holder.on('error', () => undefined); // a stopped target ends this session
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query('LOCK TABLE crm.leads IN SHARE MODE');
  // the copy worker of crm.leads has begun (state 'd') and waits for the lock: not one row of it is copied
  await until(
    () =>
      s.on(
        'pg-b',
        `SELECT 1 FROM pg_subscription_rel r JOIN pg_locks l ON l.relation = r.srrelid AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND NOT l.granted
          WHERE r.srrelid = 'crm.leads'::regclass AND r.srsubstate = 'd'`,
        [],
        database,
      ),
      'the copy of crm.leads never began',
    180_000,
  );
  expect(exited).toBe(false);
  expect(await s.registry(`SELECT phase FROM tenant_management.moves WHERE tenant_id = $1`, [id])).toEqual([{ phase: 'copy' }]);
  expect(await s.on('pg-b', `SELECT count(*)::int AS n FROM crm.leads`, [], database)).toEqual([{ n: 0 }]);
  return {
    moved,
    release: async () => {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end().catch(() => undefined);
    },
  };
}

/** Runs the control plane (its worker every 300 ms) until `done` returns a row. */
async function workerUntil(done: () => Promise<unknown[]>, failure: string, meanwhile?: () => Promise<void>): Promise<void> {
  const plane = await s.controlPlane({ KRYONIX_WORKER_INTERVAL_MS: '300', KRYONIX_JOB_POLL_MS: '0' });
  try {
    await meanwhile?.();
    await until(done, failure, 180_000);
  } finally {
    plane.child.kill('SIGTERM');
    await new Promise((resolve) => (plane.child.exitCode !== null ? resolve(null) : plane.child.once('exit', resolve)));
  }
}

async function expectServedFromSource(id: string): Promise<void> {
  const database = databaseOf(id);
  expect(await s.serverOf(id)).toBe('pg-a');
  expect(await s.registry(`SELECT phase FROM tenant_management.moves WHERE tenant_id = $1`, [id])).toEqual([{ phase: 'failed' }]);
  expect(await s.leftoversEverywhere(database)).toEqual({ default: NONE, 'pg-a': NONE, 'pg-b': NONE });
  expect(await s.on('pg-b', `SELECT datname FROM pg_database WHERE datname = $1`, [database])).toEqual([]);
  expect(await s.on('pg-b', `SELECT rolname FROM pg_roles WHERE rolname = $1`, [`cliente_${id.replace(/-/g, '_')}_user`])).toEqual([]);
  const client = await s.asTenant(id, 'pg-a', database);
  try {
    expect((await client.query(`SELECT count(*)::int AS n FROM crm.leads`)).rows[0].n).toBe(ROWS);
    await client.query(`INSERT INTO crm.leads (nome) VALUES ('after')`);
  } finally {
    await client.end();
  }
}

describe('a server of a move stopped half-way', () => {
  it('the source: the move fails at once naming it; the target is cleared; once the source is back, repair leaves nothing behind and it is served from the source', async () => {
    const held = await copyUnderWay('sd-down');
    await a.stop();
    await held.release();
    const failed = await held.moved;
    expect(failed.code).toBe(1);
    expect(errorOf(failed.stderr)).toEqual({
      code: 'MOVE_FAILED',
      message: expect.stringMatching(/^The move of tenant "sd-down" failed \(.*server "pg-a" \(its source\) cannot be reached .*`kryonix tenant repair sd-down`.*stays on "pg-a"/),
    });
    expect(await s.serverOf('sd-down')).toBe('pg-a');
    // what the move made on the target went at once; what it made on the source waits for it (the move stays open to say so)
    expect(await s.registry(`SELECT phase FROM tenant_management.moves WHERE tenant_id = 'sd-down'`)).toEqual([{ phase: 'rolling_back' }]);
    expect(await s.leftovers('pg-b', databaseOf('sd-down'))).toEqual(NONE);
    expect(await s.on('pg-b', `SELECT datname FROM pg_database WHERE datname = 'kryonix_cliente_sd_down'`)).toEqual([]);
    // repair while the source is still away: refused, saying which server, nothing lost
    const early = s.kryonix(['tenant', 'repair', 'sd-down']);
    expect(early.code).not.toBe(0);
    expect(errorOf(early.stderr).message).toMatch(/"pg-a" \(which cannot be reached now/);
    expect(await s.registry(`SELECT phase FROM tenant_management.moves WHERE tenant_id = 'sd-down'`)).toEqual([{ phase: 'rolling_back' }]);
    await a.start();
    const repaired = s.kryonix(['tenant', 'repair', 'sd-down']);
    expect({ stderr: repaired.stderr, code: repaired.code }).toEqual({ stderr: '', code: 0 });
    await expectServedFromSource('sd-down');
    // the move's row keeps why it failed, not that a repair finished it
    expect(await s.registry(`SELECT error FROM tenant_management.moves WHERE tenant_id = 'sd-down'`)).toEqual([
      { error: expect.stringMatching(/^rolled back: The copy of tenant "sd-down" to "pg-b" was stopped: server "pg-a" \(its source\) cannot be reached/) },
    ]);
  }, 900_000);

  it('the target: the move fails at once naming it; the source is cleared (no slot keeps its WAL); once the target is back, the control plane\'s worker finishes the roll-back by itself and nothing is left', async () => {
    const held = await copyUnderWay('td-down');
    await b.stop();
    await held.release();
    const failed = await held.moved;
    expect(failed.code).toBe(1);
    expect(errorOf(failed.stderr)).toEqual({
      code: 'MOVE_FAILED',
      message: expect.stringMatching(/^The move of tenant "td-down" failed \(.*server "pg-b" \(its target\) cannot be reached .*`kryonix tenant repair td-down`.*served from there as before/),
    });
    expect(await s.serverOf('td-down')).toBe('pg-a');
    expect(await s.registry(`SELECT phase FROM tenant_management.moves WHERE tenant_id = 'td-down'`)).toEqual([{ phase: 'rolling_back' }]);
    expect(await s.leftovers('pg-a', databaseOf('td-down'))).toEqual(NONE);
    // served from the source all along
    const client = await s.asTenant('td-down', 'pg-a', databaseOf('td-down'));
    try {
      await client.query(`INSERT INTO crm.leads (nome) VALUES ('while the target is away')`);
      await client.query(`DELETE FROM crm.leads WHERE nome = 'while the target is away'`);
    } finally {
      await client.end();
    }
    // no repair this time: the control plane's worker finishes it, pass after pass until the target answers
    await workerUntil(
      () => s.registry(`SELECT 1 FROM tenant_management.moves WHERE tenant_id = 'td-down' AND phase = 'failed'`),
      'the worker never finished the roll-back',
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 1_500)); // a few passes while the target is still away
        expect(await s.registry(`SELECT phase FROM tenant_management.moves WHERE tenant_id = 'td-down'`)).toEqual([{ phase: 'rolling_back' }]);
        await b.start();
      },
    );
    await expectServedFromSource('td-down');
  }, 900_000);

  it('the source after the switch, before the clean-up: served from the target; the clean-up on the source is finished by the worker once it is back', async () => {
    const id = 'cd-down';
    const database = databaseOf(id);
    const made = s.kryonix(['tenant', 'create', id, id, '--modules', 'crm', '--server', 'pg-a']);
    if (made.code !== 0) throw new Error(made.stderr);
    await s.on('pg-a', `INSERT INTO crm.leads (nome) SELECT 'lead ' || g FROM generate_series(1, ${ROWS}) g`, [], database);
    const moved = s.kryonixAsync(['tenant', 'move', id, '--to', 'pg-b', '--json'], { KRYONIX_FAILPOINTS: 'verify=pause' });
    await until(() => s.registry(`SELECT 1 FROM tenant_management.moves WHERE tenant_id = $1 AND details ? 'verify'`, [id]), 'the move never verified', 180_000);
    const [{ moveId }] = await s.registry<{ moveId: string }>(`SELECT id AS "moveId" FROM tenant_management.moves WHERE tenant_id = $1`, [id]);
    // the clean-up's first statement (DROP SUBSCRIPTION) waits behind this session's lock on the subscription
    const holder = new Client({ connectionString: s.url('pg-b', database) });
    holder.on('error', () => undefined);
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`ALTER SUBSCRIPTION ${moveObjectName(moveId!)} DISABLE`);
      await until(
        () => s.on('pg-b', `SELECT 1 FROM pg_locks WHERE locktype = 'object' AND classid = 'pg_subscription'::regclass AND NOT granted`),
        'the clean-up never waited for the subscription',
        180_000,
      );
      await a.stop();
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end().catch(() => undefined);
    }
    const failed = await moved;
    expect(failed.code).toBe(1);
    expect(errorOf(failed.stderr)).toEqual({
      code: 'MOVE_FAILED',
      message: expect.stringMatching(/^Tenant "cd-down" is served from "pg-b" now, but the move's clean-up failed \(what it made on "pg-a" \(which cannot be reached now: .*`kryonix tenant repair cd-down`/),
    });
    expect(await s.serverOf(id)).toBe('pg-b');
    expect(await s.registry(`SELECT phase FROM tenant_management.moves WHERE tenant_id = $1`, [id])).toEqual([{ phase: 'clean_up' }]);
    // the target's part is done already: no subscription there trying to reach the source
    expect(await s.leftovers('pg-b', database)).toEqual(NONE);
    await workerUntil(() => s.registry(`SELECT 1 FROM tenant_management.moves WHERE tenant_id = $1 AND phase = 'done'`, [id]), 'the worker never finished the clean-up', () => a.start());
    expect(await s.leftoversEverywhere(database)).toEqual({ default: NONE, 'pg-a': NONE, 'pg-b': NONE });
    const client = await s.asTenant(id, 'pg-b', database);
    try {
      expect((await client.query(`SELECT count(*)::int AS n FROM crm.leads`)).rows[0].n).toBe(ROWS);
    } finally {
      await client.end();
    }
    // the source copy is kept without access
    await expect(s.asTenant(id, 'pg-a', database)).rejects.toThrow();
  }, 900_000);

  it('the source, for a move queued on the control plane: its job fails naming the source, and the same control plane\'s worker finishes the roll-back once the source is back', async () => {
    const plane = await s.controlPlane({ KRYONIX_WORKER_INTERVAL_MS: '300', KRYONIX_JOB_POLL_MS: '50', KRYONIX_FAILPOINTS: 'prepare_target=pause' });
    try {
      const held = await copyUnderWay('ja-down', async () => {
        const queued = await s.api(plane.url, 'POST', '/v1/tenants/ja-down/move', { to: 'pg-b' });
        expect(queued.status).toBe(202);
        const job = (queued.body as { id: string }).id;
        // the job's end (polled until the spec lets the copy go, see below)
        for (;;) {
          const seen = (await s.api(plane.url, 'GET', `/v1/jobs/${job}`)).body as { status: string; error?: string | null };
          if (seen.status === 'failed' || seen.status === 'succeeded') return seen;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      });
      await a.stop();
      await held.release();
      const job = await held.moved;
      expect(job.status).toBe('failed');
      expect(job.error).toMatch(/^The move of tenant "ja-down" failed \(.*server "pg-a" \(its source\) cannot be reached/);
      // a failed move is not retried by its job: the worker finishes the roll-back, not before the source answers
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(await s.registry(`SELECT phase FROM tenant_management.moves WHERE tenant_id = 'ja-down'`)).toEqual([{ phase: 'rolling_back' }]);
      await a.start();
      await until(() => s.registry(`SELECT 1 FROM tenant_management.moves WHERE tenant_id = 'ja-down' AND phase = 'failed'`), 'the worker never finished the roll-back', 180_000);
    } finally {
      plane.child.kill('SIGTERM');
      await new Promise((resolve) => (plane.child.exitCode !== null ? resolve(null) : plane.child.once('exit', resolve)));
    }
    await expectServedFromSource('ja-down');
  }, 900_000);
});
