import { spawnSync } from 'node:child_process';
import { Client } from 'pg';
import { projectPath } from '@kryonix/platform';
import { moveObjectName } from '@kryonix/fleet';
import { AddServerCommand, ApplyRebalanceCommand, type CopyProgress, MoveTenantCommand, PlanRebalanceQuery, SetServerStateCommand, ShowTenantQuery } from '@kryonix/tenants';
import { ExtraPostgres, TestCore, TestEnv, createTestEnv, spawnControlPlane, startExtraPostgres, withAdmin } from '@kryonix/testing';

/**
 * Drain and rebalance as durable jobs of the control plane, and placement under concurrent
 * creates. Servers: `default` (the shared test server), pg-b (drained), pg-c (max 2 tenants).
 */
const TOKEN = 'drain-job-operator-token-0123456789';
let env: TestEnv;
let b: ExtraPostgres;
let c: ExtraPostgres;
let d: ExtraPostgres | undefined;
let core: TestCore;

beforeAll(async () => {
  [env, b, c] = await Promise.all([createTestEnv('drain-job'), startExtraPostgres('drain-job-b'), startExtraPostgres('drain-job-c')]);
  core = await env.open();
  await core.commands.execute(new AddServerCommand({ name: 'pg-b', adminUrl: b.url }));
  await core.commands.execute(new AddServerCommand({ name: 'pg-c', adminUrl: c.url, maxTenants: 2 }));
}, 180_000);
afterAll(async () => {
  await core?.close();
  await env?.cleanup();
  await Promise.all([b?.destroy(), c?.destroy(), d?.destroy()]);
});

async function on<R>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as R[];
  } finally {
    await client.end();
  }
}
const registry = async <R>(sql: string, params: unknown[] = []) => (await withAdmin((cl) => cl.query(sql, params), env.config.registryDatabase)).rows as R[];

async function api(url: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('placement under concurrent creates', () => {
  it('five creates at once on a server with --max-tenants 2: two are made, three refused SERVER_UNFIT full, nothing of them left', async () => {
    const ids = ['dj-cap-0', 'dj-cap-1', 'dj-cap-2', 'dj-cap-3', 'dj-cap-4'];
    const results = await Promise.allSettled(ids.map((id) => core.provisioner.create({ id, name: id, modules: ['crm'], mode: 'database', server: 'pg-c' })));
    const made = results.flatMap((r, i) => (r.status === 'fulfilled' ? [ids[i]!] : []));
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as { code?: string; message?: string }] : []));
    expect(made).toHaveLength(2);
    expect(refused).toHaveLength(3);
    for (const error of refused) expect(error).toMatchObject({ code: 'SERVER_UNFIT', message: expect.stringMatching(/^Server "pg-c" takes no new tenant: full \(2 of 2 tenants\)\.$/) });
    expect(await registry(`SELECT id FROM tenant_management.clientes WHERE server_name = 'pg-c' ORDER BY id`)).toEqual(made.sort().map((id) => ({ id })));
    const databases = (await on<{ datname: string }>(c.url, `SELECT datname FROM pg_database WHERE datname LIKE 'kryonix\\_cliente\\_dj\\_cap\\_%' ORDER BY datname`)).map((r) => r.datname);
    expect(databases).toEqual(made.sort().map((id) => `kryonix_cliente_${id.replace(/-/g, '_')}`));
  });
});

describe('a move\'s copy', () => {
  it('reports its progress (tables done of the total, rows, lag) every KRYONIX_MOVE_PROGRESS_MS and once complete; kept on the move row', async () => {
    await core.provisioner.create({ id: 'dj-p', name: 'progress', modules: ['crm', 'agendamento'], mode: 'database', server: 'default' });
    await withAdmin((cl) => cl.query(`INSERT INTO crm.leads (nome) SELECT 'lead ' || g FROM generate_series(1, 5000) g`), 'kryonix_cliente_dj_p');
    const quick = await env.open({ KRYONIX_MOVE_PROGRESS_MS: '100' });
    const events: CopyProgress[] = [];
    try {
      const result = await quick.commands.execute(new MoveTenantCommand({ id: 'dj-p', to: 'pg-b' }, undefined, undefined, (p) => events.push(p)));
      expect(result).toMatchObject({ outcome: 'moved', target: 'pg-b' });
    } finally {
      await quick.close();
    }
    expect(events.length).toBeGreaterThan(0);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ tenant: 'dj-p', tablesDone: last.tablesTotal, rows: 5000 });
    expect(last.tablesTotal).toBeGreaterThan(1);
    for (const e of events) {
      expect(e.tablesDone).toBeLessThanOrEqual(e.tablesTotal);
      expect(e.lagBytes === null || e.lagBytes >= 0).toBe(true);
    }
    const [row] = await registry<{ details: { copyProgress: CopyProgress } }>(`SELECT details FROM tenant_management.moves WHERE tenant_id = 'dj-p'`);
    expect(row!.details.copyProgress).toEqual(last);
  });

  it('past KRYONIX_MOVE_COPY_TIMEOUT the move fails with MOVE_FAILED naming the setting, and is rolled back (served from its source, nothing left)', async () => {
    await core.provisioner.create({ id: 'dj-t', name: 'timeout', modules: ['crm'], mode: 'database', server: 'default' });
    const hasty = await env.open({ KRYONIX_MOVE_COPY_TIMEOUT: '1ms' });
    try {
      await expect(hasty.commands.execute(new MoveTenantCommand({ id: 'dj-t', to: 'pg-b' }))).rejects.toMatchObject({
        code: 'MOVE_FAILED',
        message: expect.stringMatching(/^The copy of tenant "dj-t" to "pg-b" did not finish within KRYONIX_MOVE_COPY_TIMEOUT \(1 ms\): \d+ of \d+ tables copied.*nothing was moved/),
      });
    } finally {
      await hasty.close();
    }
    expect(await registry(`SELECT server_name, status FROM tenant_management.clientes WHERE id = 'dj-t'`)).toEqual([{ server_name: 'default', status: 'active' }]);
    const [move] = await registry<{ id: string; phase: string }>(`SELECT id, phase FROM tenant_management.moves WHERE tenant_id = 'dj-t'`);
    expect(move!.phase).toBe('failed');
    const name = moveObjectName(move!.id);
    expect(await on(b.url, `SELECT subname FROM pg_subscription`)).toEqual([]);
    expect((await withAdmin((cl) => cl.query(`SELECT slot_name FROM pg_replication_slots WHERE slot_name = $1`, [name]))).rows).toEqual([]);
    expect((await withAdmin((cl) => cl.query(`SELECT rolname FROM pg_roles WHERE rolname = $1`, [name]))).rows).toEqual([]);
    expect(await on(b.url, `SELECT datname FROM pg_database WHERE datname = 'kryonix_cliente_dj_t'`)).toEqual([]);
  });
});

describe('drain as a durable job', () => {
  it('POST /v1/servers/:name/drain queues a job; a control plane killed (-9) mid-move: the next one finishes the drain, nothing left behind', async () => {
    // dj-p is there already (moved in by the progress test)
    const ids = ['dj-d-0', 'dj-d-1', 'dj-d-2', 'dj-p'];
    for (const id of ids.slice(0, 3)) await core.provisioner.create({ id, name: id, modules: ['crm'], mode: 'database', server: 'pg-b' });
    // the first control plane's move hangs once its copy is done (a slot on pg-b, a subscription on default)
    const first = await spawnControlPlane({ ...env.env, KRYONIX_OPERATOR_TOKEN: TOKEN, KRYONIX_JOB_POLL_MS: '50', KRYONIX_FAILPOINTS: 'copy=hang' });
    let jobId: string;
    try {
      expect((await api(first.url, 'POST', '/v1/servers/pg-b/drain', { concurrency: 'two' })).status).toBe(400);
      expect((await api(first.url, 'POST', '/v1/servers/pg-zz/drain', {})).status).toBe(404);
      const queued = await api(first.url, 'POST', '/v1/servers/pg-b/drain', { concurrency: 1 });
      expect(queued).toMatchObject({ status: 202, body: { kind: 'drain_server', status: expect.stringMatching(/^(queued|running)$/) } });
      jobId = queued.body.id;
      expect(queued.headers.get('location')).toBe(`/v1/jobs/${jobId}`);
      // the same drain asked again is that job
      expect((await api(first.url, 'POST', '/v1/servers/pg-b/drain', {})).body.id).toBe(jobId);
      await until('a move of the drain to reach its copy', async () => {
        const rows = await registry<{ phase: string }>(`SELECT phase FROM tenant_management.moves WHERE job_id = $1 AND phase = 'copy'`, [jobId]);
        const slots = await on(b.url, `SELECT 1 FROM pg_replication_slots WHERE slot_name LIKE 'kryonix\\_move\\_%'`);
        return rows.length && slots.length ? true : undefined;
      });
    } finally {
      first.child.kill('SIGKILL');
      await new Promise((r) => first.child.once('exit', r));
    }
    expect(await registry(`SELECT state FROM tenant_management.servers WHERE name = 'pg-b'`)).toEqual([{ state: 'draining' }]);

    const second = await spawnControlPlane({ ...env.env, KRYONIX_OPERATOR_TOKEN: TOKEN, KRYONIX_JOB_POLL_MS: '50', KRYONIX_JOB_STALE_MS: '1000', KRYONIX_JOB_HEARTBEAT_MS: '200' });
    try {
      const job = await until('the drain job to end', async () => {
        const j = (await api(second.url, 'GET', `/v1/jobs/${jobId}`)).body;
        return j.status === 'succeeded' || j.status === 'failed' ? j : undefined;
      }, 180_000);
      expect(job).toMatchObject({ status: 'succeeded', attempts: 2, result: { name: 'pg-b', state: 'cordoned', failed: [] } });
      // pg-c is full (2 of 2): every tenant went to default
      expect(job.result.moved.map((m: { tenant: string; to: string }) => [m.tenant, m.to]).sort()).toEqual(ids.map((id) => [id, 'default']));
    } finally {
      second.child.kill('SIGTERM');
      await new Promise((r) => second.child.once('exit', r));
    }
    expect(await registry(`SELECT id, server_name, status FROM tenant_management.clientes WHERE id = ANY($1) ORDER BY id`, [ids])).toEqual(ids.map((id) => ({ id, server_name: 'default', status: 'active' })));
    expect(await registry(`SELECT state FROM tenant_management.servers WHERE name = 'pg-b'`)).toEqual([{ state: 'cordoned' }]);
    // every move of the job ended; the one cut short was rolled back (failed) and made again
    const moves = await registry<{ id: string; tenant_id: string; phase: string }>(`SELECT id, tenant_id, phase FROM tenant_management.moves WHERE job_id = $1 ORDER BY created_at`, [jobId!]);
    expect(moves.filter((m) => m.phase !== 'done' && m.phase !== 'failed')).toEqual([]);
    expect(moves.filter((m) => m.phase === 'done').map((m) => m.tenant_id).sort()).toEqual(ids);
    // no publication, subscription, slot or move role on either server
    const names = moves.map((m) => moveObjectName(m.id));
    expect(await on(b.url, `SELECT slot_name FROM pg_replication_slots`)).toEqual([]);
    expect(await on(b.url, `SELECT rolname FROM pg_roles WHERE rolname LIKE 'kryonix\\_move\\_%'`)).toEqual([]);
    for (const id of ids) expect(await on(new URL(`/kryonix_cliente_${id.replace(/-/g, '_')}`, b.url).toString(), `SELECT pubname FROM pg_publication`)).toEqual([]);
    expect((await withAdmin((cl) => cl.query(`SELECT subname FROM pg_subscription WHERE subname = ANY($1)`, [names]))).rows).toEqual([]);
    expect((await withAdmin((cl) => cl.query(`SELECT rolname FROM pg_roles WHERE rolname = ANY($1)`, [names]))).rows).toEqual([]);

    // `tenant show` lists a tenant's moves, the latest first, with each phase's duration
    const shown = await core.queries.execute(new ShowTenantQuery('dj-p'));
    expect(shown.moves.map((m) => [m.from, m.to, m.state])).toEqual([
      ['pg-b', 'default', 'done'],
      ['default', 'pg-b', 'done'],
    ]);
    expect(shown.moves[0]!.phases.map((p) => p.phase)).toEqual(['prepare_target', 'copy', 'cut_over', 'verify', 'clean_up']);
    const cli = spawnSync(process.execPath, [projectPath('bin', 'kryonix.js'), 'tenant', 'show', 'dj-p'], { env: { ...process.env, ...env.env }, encoding: 'utf8', timeout: 60_000 });
    expect(cli.status).toBe(0);
    const lines = cli.stdout.split('\n');
    const at = lines.indexOf('  moves');
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toMatch(/^    \d{4}-\d\d-\d\dT\S+  pg-b → default  done  \(prepare_target [\d.]+ m?s, copy [\d.]+ m?s, cut_over [\d.]+ m?s, verify [\d.]+ m?s, clean_up [\d.]+ m?s\)$/);
    // each move's cut-over steps on the line below it
    expect(lines[at + 2]).toMatch(/^      cut-over  hold \d+ ms, lock \d+ ms, .*release \d+ ms$/);
    expect(lines[at + 3]).toMatch(/^    \S+  default → pg-b  done  \(prepare_target /);
  });

  it('POST /v1/rebalance queues a job whose result lists the moves; a bad concurrency is refused with nothing queued', async () => {
    const plane = await spawnControlPlane({ ...env.env, KRYONIX_OPERATOR_TOKEN: TOKEN, KRYONIX_JOB_POLL_MS: '50' });
    try {
      const before = await registry(`SELECT count(*)::int AS n FROM tenant_management.jobs WHERE kind = 'rebalance'`);
      expect((await api(plane.url, 'POST', '/v1/rebalance', { concurrency: 0 })).status).toBe(400);
      expect(await registry(`SELECT count(*)::int AS n FROM tenant_management.jobs WHERE kind = 'rebalance'`)).toEqual(before);
      const queued = await api(plane.url, 'POST', '/v1/rebalance', {});
      expect(queued).toMatchObject({ status: 202, body: { kind: 'rebalance' } });
      const job = await until('the rebalance job to end', async () => {
        const j = (await api(plane.url, 'GET', `/v1/jobs/${queued.body.id}`)).body;
        return j.status === 'succeeded' || j.status === 'failed' ? j : undefined;
      });
      // pg-b is cordoned (it neither gives nor takes) and pg-c at its limit (it takes none): nothing to move
      expect(job).toMatchObject({ status: 'succeeded', attempts: 1, result: { moved: [], failed: [] } });
    } finally {
      plane.child.kill('SIGTERM');
      await new Promise((r) => plane.child.once('exit', r));
    }
  });

  it('rebalance --yes runs no more moves into a server at once than its logical replication workers carry (the drain\'s limiter), whatever --concurrency asks; none fails', async () => {
    // pg-d: max_logical_replication_workers = 2, room for one move's apply and table-sync workers at a time
    d = await startExtraPostgres('drain-job-d');
    await on(d.url, `ALTER SYSTEM SET max_logical_replication_workers = 2`);
    await d.stop();
    await d.start();
    for (const id of ['dj-r-0', 'dj-r-1', 'dj-r-2', 'dj-r-3']) await core.provisioner.create({ id, name: id, modules: ['crm'], mode: 'database', server: 'default' });
    // only default gives and pg-d takes (pg-b and pg-c, cordoned, neither give nor take)
    for (const { name } of await registry<{ name: string }>(`SELECT name FROM tenant_management.servers WHERE name IN ('pg-b', 'pg-c') AND state = 'active'`)) {
      await core.commands.execute(new SetServerStateCommand(name, 'cordoned'));
    }
    await core.commands.execute(new AddServerCommand({ name: 'pg-d', adminUrl: d.url }));
    const plan = await core.queries.execute(new PlanRebalanceQuery());
    const into = plan.moves.filter((m) => m.to === 'pg-d');
    // enough moves into pg-d that eight at a time would overlap there
    expect(into.length).toBeGreaterThanOrEqual(2);
    expect(into).toEqual(plan.moves);

    const result = await core.commands.execute(new ApplyRebalanceCommand(8));
    expect(result.failed).toEqual([]);
    expect(result.moved.map((m) => m.tenant).sort()).toEqual(plan.moves.map((m) => m.tenant).sort());
    const moves = await registry<{ tenant_id: string; phase: string; created_at: Date; finished_at: Date }>(
      `SELECT tenant_id, phase, created_at, finished_at FROM tenant_management.moves WHERE target = 'pg-d' ORDER BY created_at`,
    );
    expect(moves.map((m) => m.phase)).toEqual(into.map(() => 'done'));
    // one at a time: each began after the one before had ended
    for (let i = 1; i < moves.length; i++) expect({ move: moves[i]!.tenant_id, after: moves[i]!.created_at >= moves[i - 1]!.finished_at }).toEqual({ move: moves[i]!.tenant_id, after: true });
    expect(await on(d.url, `SELECT subname FROM pg_subscription`)).toEqual([]);
  }, 600_000);
});
