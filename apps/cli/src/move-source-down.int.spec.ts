import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { ExtraPostgres, MoveServers, NONE, createTestEnv, startExtraPostgres } from '@kryonix/testing';

/**
 * The source server stops while a move's initial copy is under way: a table of many rows,
 * and the server stopped as soon as the target's copy worker is seen reading it.
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
// a spec that failed half-way leaves the source running for the next
afterEach(() => a.start());
afterAll(async () => {
  await Promise.all([s?.env.cleanup(), a?.destroy(), b?.destroy()]);
});

const ROWS = 300_000;

/** A tenant on pg-a with many rows, and a move of it to pg-b whose initial copy of them is under way. */
async function moveUnderWay(id: string): Promise<ReturnType<MoveServers['kryonixAsync']>> {
  const made = s.kryonix(['tenant', 'create', id, id, '--modules', 'crm', '--server', 'pg-a']);
  if (made.code !== 0) throw new Error(made.stderr);
  const database = `kryonix_cliente_${id.replace(/-/g, '_')}`;
  await s.on('pg-a', `INSERT INTO crm.leads (nome, email) SELECT 'lead número ' || g, 'l' || g || '@exemplo.test' FROM generate_series(1, ${ROWS}) g`, [], database);
  const watcher = new Client({ connectionString: s.url('pg-a') });
  await watcher.connect();
  try {
    const moved = s.kryonixAsync(['tenant', 'move', id, '--to', 'pg-b', '--json']);
    const deadline = Date.now() + 180_000;
    // the target's copy worker reading crm.leads on the source
    while (!(await watcher.query(`SELECT 1 FROM pg_stat_activity WHERE backend_type = 'walsender' AND query ILIKE 'COPY%leads%'`)).rows.length) {
      if (Date.now() > deadline) throw new Error('the copy of crm.leads never began');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return moved;
  } finally {
    await watcher.end();
  }
}

async function expectServed(id: string, where: 'pg-a' | 'pg-b'): Promise<void> {
  const database = `kryonix_cliente_${id.replace(/-/g, '_')}`;
  expect(await s.serverOf(id)).toBe(where);
  expect(await s.registry(`SELECT phase FROM tenant_management.moves WHERE tenant_id = $1 AND phase NOT IN ('done', 'failed')`, [id])).toEqual([]);
  expect(await s.leftoversEverywhere(database)).toEqual({ default: NONE, 'pg-a': NONE, 'pg-b': NONE });
  const client = await s.asTenant(id, where, database);
  try {
    expect((await client.query(`SELECT count(*)::int AS n FROM crm.leads`)).rows[0].n).toBe(ROWS);
    await client.query(`INSERT INTO crm.leads (nome) VALUES ('after')`);
  } finally {
    await client.end();
  }
}

// Skipped: not yet seen passing. In three shapes (a table locked once published, a 300,000
// and a 1,000,000-row table with a fast stop, an immediate stop right after a walsender was
// seen running COPY … leads) the move was already past its copy (it even ended exit 0) when
// the source stopped: the detection of "mid-copy" is wrong (pg_stat_activity.query is the
// walsender's last query, even idle), not the mover. See the report of wt-move2.
describe.skip('the source server stopped in the middle of a move\'s copy', () => {
  it('the move fails cleanly (the CLI ends, saying so); once the source is back, repair leaves nothing behind and it is served from the source', async () => {
    const moved = await moveUnderWay('sd-down');
    // stopped at once (immediate shutdown): a fast stop's wait would let a short copy finish first
    process.kill(Number(readFileSync(join(a.home, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]), 'SIGQUIT');
    const failed = await moved;
    const phase = await s.registry<{ phase: string; error: string | null }>(`SELECT phase, error FROM tenant_management.moves WHERE tenant_id = 'sd-down'`);
    // what the operator was told, and what the registry says, in the failure message when the checks below fail
    const seen = { code: failed.code, stderr: failed.stderr, phase };
    expect({ ...seen, code: seen.code === 0 ? 'exit 0' : 'failed' }).toMatchObject({ code: 'failed', stderr: expect.stringMatching(/sd-down/) });
    expect(await s.serverOf('sd-down')).toBe('pg-a');
    await a.start();
    const repaired = s.kryonix(['tenant', 'repair', 'sd-down']);
    expect({ stderr: repaired.stderr, code: repaired.code }).toEqual({ stderr: '', code: 0 });
    expect(await s.registry(`SELECT phase FROM tenant_management.moves WHERE tenant_id = 'sd-down'`)).toEqual([{ phase: 'failed' }]);
    await expectServed('sd-down', 'pg-a');
    expect(await s.on('pg-b', `SELECT 1 FROM pg_database WHERE datname = 'kryonix_cliente_sd_down'`)).toEqual([]);
  }, 900_000);
});
