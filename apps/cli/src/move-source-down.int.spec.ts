import { Client } from 'pg';
import { ExtraPostgres, MoveServers, NONE, createTestEnv, startExtraPostgres, until } from '@kryonix/testing';

/**
 * The source server stops while a move's initial copy is under way. To stop it mid-copy
 * for sure, a session holds one of the tenant's tables locked from the moment the move's
 * publication exists: the copy of that table waits for it, and the server is stopped then.
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
afterAll(async () => {
  await Promise.all([s?.env.cleanup(), a?.destroy(), b?.destroy()]);
});

/** A tenant on pg-a with rows, and a move of it to pg-b started (its CLI process running). */
async function moveUnderWay(id: string): Promise<{ moved: ReturnType<MoveServers['kryonixAsync']>; locker: Client }> {
  const made = s.kryonix(['tenant', 'create', id, id, '--modules', 'crm', '--server', 'pg-a']);
  if (made.code !== 0) throw new Error(made.stderr);
  const database = `kryonix_cliente_${id.replace(/-/g, '_')}`;
  await s.on('pg-a', `INSERT INTO crm.leads (nome) SELECT 'l' || g FROM generate_series(1, 2000) g`, [], database);
  const locker = new Client({ connectionString: s.url('pg-a', database) });
  locker.on('error', () => undefined); // its server is stopped under it
  await locker.connect();
  const moved = s.kryonixAsync(['tenant', 'move', id, '--to', 'pg-b', '--json']);
  const deadline = Date.now() + 120_000;
  while (!(await locker.query(`SELECT 1 FROM pg_publication WHERE pubname LIKE 'kryonix\\_move\\_%'`)).rows.length) {
    if (Date.now() > deadline) throw new Error('the move never published its tables');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE crm.leads IN ACCESS EXCLUSIVE MODE');
  // the copy of crm.leads has begun, and waits for the lock
  await until(() => s.on('pg-a', `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND usename LIKE 'kryonix\\_move\\_%'`), 'the copy never reached the locked table');
  const states = await s.on<{ table: string; state: string }>('pg-b', `SELECT r.srrelid::regclass::text AS table, r.srsubstate AS state FROM pg_subscription_rel r ORDER BY 1`, [], database);
  const waiting = await s.on<{ q: string }>('pg-a', `SELECT backend_type || ': ' || query AS q FROM pg_stat_activity WHERE wait_event_type = 'Lock'`);
  expect({ states, waiting, copying: states.filter((r) => r.state !== 'r').length > 0 }).toMatchObject({ copying: true });
  return { moved, locker };
}

async function expectServed(id: string, where: 'pg-a' | 'pg-b'): Promise<void> {
  const database = `kryonix_cliente_${id.replace(/-/g, '_')}`;
  expect(await s.serverOf(id)).toBe(where);
  expect(await s.registry(`SELECT phase FROM tenant_management.moves WHERE tenant_id = $1 AND phase NOT IN ('done', 'failed')`, [id])).toEqual([]);
  expect(await s.leftoversEverywhere(database)).toEqual({ default: NONE, 'pg-a': NONE, 'pg-b': NONE });
  const client = await s.asTenant(id, where, database);
  try {
    expect((await client.query(`SELECT count(*)::int AS n FROM crm.leads`)).rows[0].n).toBe(2000);
    await client.query(`INSERT INTO crm.leads (nome) VALUES ('after')`);
  } finally {
    await client.end();
  }
}

describe('the source server stopped in the middle of a move\'s copy', () => {
  it('back within moments: the copy waits for it and the move ends, nothing left behind', async () => {
    const { moved, locker } = await moveUnderWay('sd-short');
    await a.stop();
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    await a.start();
    await locker.end().catch(() => undefined);
    const done = await moved;
    expect(done.stderr).toBe('');
    expect(JSON.parse(done.stdout)).toMatchObject({ outcome: 'moved', source: 'pg-a', target: 'pg-b', verified: true, rows: 2000 });
    await expectServed('sd-short', 'pg-b');
  }, 600_000);

  it('away for longer: the move fails cleanly, served from the source when it is back; repair leaves nothing behind', async () => {
    const { moved, locker } = await moveUnderWay('sd-long');
    await a.stop();
    // the target retries the copy and fails each time; the move gives up after a minute without progress
    const failed = await moved;
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/makes no progress|cannot be reached|Cannot reach/);
    expect(failed.stderr).toContain('kryonix tenant repair sd-long');
    expect(await s.serverOf('sd-long')).toBe('pg-a');
    // while it is away, a repair is refused without touching anything (the source cannot be cleaned)
    const early = s.kryonix(['tenant', 'repair', 'sd-long']);
    expect(early.code).not.toBe(0);
    await a.start();
    await locker.end().catch(() => undefined);
    const repaired = s.kryonix(['tenant', 'repair', 'sd-long']);
    expect(repaired.stderr).toBe('');
    expect(repaired.stdout).toContain('roll_back');
    expect(await s.registry(`SELECT phase FROM tenant_management.moves WHERE tenant_id = 'sd-long'`)).toEqual([{ phase: 'failed' }]);
    await expectServed('sd-long', 'pg-a');
    expect(await s.on('pg-b', `SELECT 1 FROM pg_database WHERE datname = 'kryonix_cliente_sd_long'`)).toEqual([]);
  }, 600_000);
});
