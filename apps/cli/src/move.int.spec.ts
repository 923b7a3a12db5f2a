import { ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { COPY_PROGRESS, ExtraPostgres, MoveServers, NONE, createTestEnv, startExtraPostgres, until, writeCounterModules } from '@kryonix/testing';

let s: MoveServers;
let b: ExtraPostgres;
let c: ExtraPostgres;
let modulesDir: string;

beforeAll(async () => {
  const [env, extraB, extraC] = await Promise.all([createTestEnv('move'), startExtraPostgres('move-b'), startExtraPostgres('move-c', 'pg15')]);
  [b, c] = [extraB, extraC];
  modulesDir = writeCounterModules('move', 'nome text NOT NULL, valor numeric(12,2), criado timestamptz NOT NULL DEFAULT now(), dados jsonb');
  s = new MoveServers(env, { KRYONIX_MODULES_DIR: modulesDir });
  s.add('pg-b', b);
  s.add('pg-c', c);
}, 120_000);
afterAll(async () => {
  await Promise.all([s?.env.cleanup(), b?.destroy(), c?.destroy()]);
  rmSync(modulesDir, { recursive: true, force: true });
});

/** Inserts rows one by one as the tenant until stopped or refused; resolves to the ids the source acknowledged. */
function writer(client: Client, table: string): { stop(): Promise<number[]> } {
  let stopped = false;
  const acked: number[] = [];
  const loop = (async () => {
    for (let i = 0; !stopped; i++) {
      try {
        const { rows } = await client.query(`INSERT INTO ${table} (nome, valor, dados) VALUES ($1, $2, $3) RETURNING id`, [`w${i}`, i / 3, { i }]);
        acked.push(rows[0].id);
      } catch {
        return; // the cut-over took the role's rights on the source: later writes go to the target
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return acked;
    },
  };
}

describe('kryonix tenant move', () => {
  it('moves a database-mode tenant with rows while it is written to: rows, sequences, checksums, nothing left behind', async () => {
    expect(s.kryonix(['tenant', 'create', 'mv-db', 'Move DB', '--modules', 'crm,contador', '--server', 'default']).code).toBe(0);
    const source = await s.asTenant('mv-db', 'default', 'kryonix_cliente_mv_db');
    await source.query(`INSERT INTO crm.leads (nome, email) SELECT 'lead ' || g, 'l' || g || '@x.test' FROM generate_series(1, 500) g`);
    await source.query(`INSERT INTO contador.contagens (nome, valor) SELECT 'c' || g, g * 1.5 FROM generate_series(1, 300) g`);
    const writes = writer(source, 'contador.contagens');
    const moved = await s.kryonixAsync(['tenant', 'move', 'mv-db', '--to', 'pg-b']);
    const acked = await writes.stop();
    await source.end().catch(() => undefined);
    expect(moved.stderr.replace(COPY_PROGRESS, '')).toBe('');
    expect(moved.code).toBe(0);
    for (const phase of ['prepare_target', 'copy', 'cut_over', 'verify', 'clean_up']) expect(moved.stdout).toMatch(new RegExp(`✔ ${phase} +[\\d.]+ m?s`));
    expect(moved.stdout).toContain('Moved tenant mv-db from default to pg-b');
    expect(moved.stdout).toContain('checksums equal on both servers');
    // the writer kept writing to the source through the copy, until the cut-over took its rights there
    expect(acked.length).toBeGreaterThan(20);

    expect(await s.registry(`SELECT server_name FROM tenant_management.clientes WHERE id = 'mv-db'`)).toEqual([{ server_name: 'pg-b' }]);
    const [move] = await s.registry<{ phase: string; verified: boolean; keep: boolean }>(`SELECT phase, verified, source_purge_after > now() + interval '23 hours' AS keep FROM tenant_management.moves WHERE tenant_id = 'mv-db'`);
    expect(move).toEqual({ phase: 'done', verified: true, keep: true });

    // every acknowledged write is on the target, exactly once; the sequence goes on after them
    const target = await s.asTenant('mv-db', 'pg-b', 'kryonix_cliente_mv_db');
    try {
      const { rows } = await target.query(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS d, max(id) AS top FROM contador.contagens`);
      expect(rows[0]).toEqual({ n: 300 + acked.length, d: 300 + acked.length, top: Math.max(300, ...acked) });
      expect((await target.query(`SELECT count(*)::int AS n FROM contador.contagens WHERE id = ANY($1::int[])`, [acked])).rows[0].n).toBe(acked.length);
      expect((await target.query(`SELECT count(*)::int AS n FROM crm.leads`)).rows[0].n).toBe(500);
      const next = (await target.query(`INSERT INTO contador.contagens (nome) VALUES ('after') RETURNING id`)).rows[0].id;
      expect(next).toBe(Math.max(300, ...acked) + 1);
    } finally {
      await target.end();
    }

    // the source copy is kept, but the tenant role can no longer log in there
    await expect(s.asTenant('mv-db', 'default', 'kryonix_cliente_mv_db')).rejects.toThrow();
    expect(await s.on('default', `SELECT 1 FROM pg_database WHERE datname = 'kryonix_cliente_mv_db'`)).toHaveLength(1);
    expect(await s.leftovers('default', 'kryonix_cliente_mv_db')).toEqual(NONE);
    expect(await s.leftovers('pg-b', 'kryonix_cliente_mv_db')).toEqual(NONE);
    const show = JSON.parse(s.kryonix(['tenant', 'show', 'mv-db', '--json']).stdout);
    expect(show.serverName).toBe('pg-b');
    // each step of the cut-over, timed, in the move's record
    expect(show.moves[0].cutOver).toEqual(Object.fromEntries(['hold', 'lock', 'confirm', 'sequences', 'counts', 'revoke', 'switch', 'release'].map((step) => [step, expect.any(Number)])));
    expect(s.kryonix(['tenant', 'show', 'mv-db']).stdout).toMatch(/\n {6}cut-over {2}hold \d+ ms, lock \d+ ms, confirm \d+ ms, sequences \d+ ms, counts \d+ ms, revoke \d+ ms, switch \d+ ms, release \d+ ms\n/);
  });

  it('moves a schema-mode tenant (and back: the kept copy is dropped and copied again)', async () => {
    expect(s.kryonix(['tenant', 'create', 'mv-sc', 'Move schemas', '--modules', 'crm,contador', '--mode', 'schema', '--server', 'pg-b']).code).toBe(0);
    const source = await s.asTenant('mv-sc', 'pg-b', 'kryonix_tenants');
    await source.query(`INSERT INTO mv_sc_crm.leads (nome) SELECT 'lead ' || g FROM generate_series(1, 200) g`);
    await source.query(`INSERT INTO mv_sc_contador.contagens (nome) SELECT 'c' || g FROM generate_series(1, 50) g`);
    await source.end();
    const there = s.kryonix(['tenant', 'move', 'mv-sc', '--to', 'default', '--json']);
    expect(there.stderr.replace(COPY_PROGRESS, '')).toBe('');
    expect(JSON.parse(there.stdout)).toMatchObject({ outcome: 'moved', source: 'pg-b', target: 'default', mode: 'schema', verified: true, rows: 250 });
    expect(await s.on('default', `SELECT count(*)::int AS n FROM mv_sc_crm.leads`, [], 'kryonix_tenants')).toEqual([{ n: 200 }]);
    expect(await s.leftovers('pg-b', 'kryonix_tenants')).toEqual(NONE);
    expect(await s.leftovers('default', 'kryonix_tenants')).toEqual(NONE);
    const back = s.kryonix(['tenant', 'move', 'mv-sc', '--to', 'pg-b', '--json']);
    expect(back.stderr.replace(COPY_PROGRESS, '')).toBe('');
    expect(JSON.parse(back.stdout)).toMatchObject({ outcome: 'moved', target: 'pg-b', verified: true, rows: 250 });
    const kept = await s.registry<{ source: string; purged: boolean }>(`SELECT source, source_purged_at IS NOT NULL AS purged FROM tenant_management.moves WHERE tenant_id = 'mv-sc' ORDER BY created_at`);
    expect(kept).toEqual([{ source: 'pg-b', purged: true }, { source: 'default', purged: false }]);
    const target = await s.asTenant('mv-sc', 'pg-b', 'kryonix_tenants');
    expect((await target.query(`INSERT INTO mv_sc_contador.contagens (nome) VALUES ('after') RETURNING id`)).rows[0].id).toBe(51);
    await target.end();
  });

  it('moves a tenant from PostgreSQL 15 to 17 (an online major-version upgrade of one tenant)', async () => {
    expect(s.kryonix(['tenant', 'create', 'mv-old', 'On 15', '--modules', 'crm,contador', '--server', 'pg-c']).code).toBe(0);
    const source = await s.asTenant('mv-old', 'pg-c', 'kryonix_cliente_mv_old');
    expect((await source.query(`SELECT current_setting('server_version_num')::int / 10000 AS major`)).rows[0].major).toBe(15);
    await source.query(`INSERT INTO contador.contagens (nome, valor, dados) SELECT 'c' || g, g / 7.0, jsonb_build_object('g', g) FROM generate_series(1, 400) g`);
    await source.end();
    const moved = s.kryonix(['tenant', 'move', 'mv-old', '--to', 'pg-b', '--json']);
    expect(moved.stderr.replace(COPY_PROGRESS, '')).toBe('');
    expect(JSON.parse(moved.stdout)).toMatchObject({ outcome: 'moved', source: 'pg-c', target: 'pg-b', verified: true, rows: 400 });
    expect(await s.on('pg-b', `SELECT count(*)::int AS n, current_setting('server_version_num')::int / 10000 AS major FROM contador.contagens`, [], 'kryonix_cliente_mv_old')).toEqual([{ n: 400, major: 17 }]);
    expect(await s.leftovers('pg-c', 'kryonix_cliente_mv_old')).toEqual(NONE);
    expect(await s.leftovers('pg-b', 'kryonix_cliente_mv_old')).toEqual(NONE);
  });

  it('refuses what it cannot move, and changes nothing', async () => {
    expect(s.kryonix(['tenant', 'create', 'mv-no', 'Refusals', '--modules', 'crm', '--server', 'default']).code).toBe(0);
    const refused = (args: string[]) => {
      const r = s.kryonix(['tenant', 'move', 'mv-no', ...args]);
      return { code: r.code, error: r.stderr.trim() };
    };
    expect(refused(['--to', 'default'])).toEqual({ code: 2, error: 'kryonix: Tenant "mv-no" is already on server "default"; give another --to.' });
    expect(refused(['--to', 'nowhere'])).toMatchObject({ code: 2, error: expect.stringContaining('Unknown server "nowhere"') });
    expect(s.kryonix(['server', 'cordon', 'pg-b']).code).toBe(0);
    expect(refused(['--to', 'pg-b'])).toMatchObject({ code: 2, error: expect.stringContaining('Server "pg-b" takes no new tenant: cordoned') });
    expect(s.kryonix(['server', 'uncordon', 'pg-b']).code).toBe(0);
    await s.on('default', 'CREATE TABLE crm.sem_chave (x int)', [], 'kryonix_cliente_mv_no');
    expect(refused(['--to', 'pg-b'])).toMatchObject({ code: 1, error: expect.stringContaining('table crm.sem_chave has no primary key or replica identity') });
    await s.on('default', 'DROP TABLE crm.sem_chave', [], 'kryonix_cliente_mv_no');
    expect(s.kryonix(['tenant', 'suspend', 'mv-no']).code).toBe(0);
    expect(refused(['--to', 'pg-b'])).toMatchObject({ code: 3, error: expect.stringContaining('Tenant "mv-no" is suspended; cannot move it') });
    expect(s.kryonix(['tenant', 'resume', 'mv-no']).code).toBe(0);
    expect(await s.registry(`SELECT count(*)::int AS n FROM tenant_management.moves WHERE tenant_id = 'mv-no'`)).toEqual([{ n: 0 }]);
    expect(await s.on('pg-b', `SELECT 1 FROM pg_database WHERE datname = 'kryonix_cliente_mv_no'`)).toEqual([]);
  });

  it('kill -9 mid-copy: migrate skips it, changes are refused, repair rolls it back with nothing left on either server', async () => {
    expect(s.kryonix(['tenant', 'create', 'mv-kill', 'Killed', '--modules', 'crm,contador', '--server', 'default']).code).toBe(0);
    await s.on('default', `INSERT INTO contador.contagens (nome) SELECT 'c' || g FROM generate_series(1, 100) g`, [], 'kryonix_cliente_mv_kill');
    const { child, exited } = s.spawn(['tenant', 'move', 'mv-kill', '--to', 'pg-b'], { KRYONIX_FAILPOINTS: 'copy=hang' });
    // the copy is done (its slot on the source, its subscription on the target) and the process hangs right after
    await until(() => s.registry(`SELECT 1 FROM tenant_management.moves WHERE tenant_id = 'mv-kill' AND phase = 'copy' AND details ? 'copy'`), 'the move never finished its copy').finally(() => child.kill('SIGKILL'));
    await exited;
    expect((await s.leftovers('default', 'kryonix_cliente_mv_kill')).slots).toHaveLength(1);
    expect((await s.leftovers('pg-b', 'kryonix_cliente_mv_kill')).subscriptions).toHaveLength(1);

    // while it is (half-)moving: no DDL, no credential change, no second move
    const dir = mkdtempSync(join(tmpdir(), 'kx-move-mig-'));
    try {
      cpSync(modulesDir, dir, { recursive: true });
      writeFileSync(join(dir, 'contador', '0002_extra.sql.hbs'), 'ALTER TABLE {{schema}}.contagens ADD COLUMN extra text;\n');
      const migrated = s.kryonix(['migrate', '--json', '--tenant', 'mv-kill', '--tenant', 'mv-no'], { KRYONIX_MODULES_DIR: dir });
      expect(migrated.stderr.replace(COPY_PROGRESS, '')).toBe('');
      expect(JSON.parse(migrated.stdout)).toMatchObject({ skipped: [{ tenant: 'mv-kill', reason: 'moving' }], failed: [] });
      expect(s.kryonix(['migrate', '--tenant', 'mv-kill'], { KRYONIX_MODULES_DIR: dir }).stdout).toContain('Skipped (1), picked up by the next run: mv-kill (moving).');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const modules = s.kryonix(['tenant', 'modules', 'mv-kill', '--add', 'agendamento']);
    expect(modules.code).toBe(3);
    expect(modules.stderr).toContain('Tenant "mv-kill" is being moved to server "pg-b"');
    expect(modules.stderr).toContain('kryonix tenant repair mv-kill');
    expect(s.kryonix(['tenant', 'rotate-credentials', 'mv-kill']).code).toBe(3);
    expect(s.kryonix(['tenant', 'move', 'mv-kill', '--to', 'pg-c']).code).toBe(3);

    const repaired = s.kryonix(['tenant', 'repair', 'mv-kill']);
    expect(repaired.stderr.replace(COPY_PROGRESS, '')).toBe('');
    expect(repaired.stdout).toContain('roll_back');
    expect(await s.registry(`SELECT server_name FROM tenant_management.clientes WHERE id = 'mv-kill'`)).toEqual([{ server_name: 'default' }]);
    expect(await s.registry(`SELECT phase FROM tenant_management.moves WHERE tenant_id = 'mv-kill'`)).toEqual([{ phase: 'failed' }]);
    expect(await s.leftovers('default', 'kryonix_cliente_mv_kill')).toEqual(NONE);
    expect(await s.leftovers('pg-b', 'kryonix_cliente_mv_kill')).toEqual(NONE);
    expect(await s.on('pg-b', `SELECT 1 FROM pg_database WHERE datname = 'kryonix_cliente_mv_kill'`)).toEqual([]);
    expect(await s.on('pg-b', `SELECT 1 FROM pg_roles WHERE rolname = 'cliente_mv_kill_user'`)).toEqual([]);
    // served from the source as before
    const client = await s.asTenant('mv-kill', 'default', 'kryonix_cliente_mv_kill');
    expect((await client.query(`INSERT INTO contador.contagens (nome) VALUES ('again') RETURNING id`)).rows[0].id).toBe(101);
    await client.end();
  });

  it('kill -9 right after the cut-over: repair finishes the move', async () => {
    expect(s.kryonix(['tenant', 'create', 'mv-late', 'Killed late', '--modules', 'crm', '--mode', 'schema', '--server', 'default']).code).toBe(0);
    const { child, exited } = s.spawn(['tenant', 'move', 'mv-late', '--to', 'pg-b'], { KRYONIX_FAILPOINTS: 'cut_over=hang' });
    await until(() => s.registry(`SELECT 1 FROM tenant_management.moves WHERE tenant_id = 'mv-late' AND phase = 'verify' AND details ? 'cut_over'`), 'the move never switched').finally(() => child.kill('SIGKILL'));
    await exited;
    const repaired = s.kryonix(['tenant', 'repair', 'mv-late']);
    expect(repaired.stderr.replace(COPY_PROGRESS, '')).toBe('');
    expect(repaired.stdout).toMatch(/✔ clean_up/);
    expect(await s.registry(`SELECT phase FROM tenant_management.moves WHERE tenant_id = 'mv-late'`)).toEqual([{ phase: 'done' }]);
    expect(await s.leftovers('default', 'kryonix_tenants')).toEqual(NONE);
    expect(await s.leftovers('pg-b', 'kryonix_tenants')).toEqual(NONE);
  });

  it('POST /v1/tenants/:id/move is a durable job: a control plane killed mid-copy, the next one rolls it back and moves again; --api follows it', async () => {
    expect(s.kryonix(['tenant', 'create', 'mv-api', 'Through the API', '--modules', 'crm,contador', '--server', 'default']).code).toBe(0);
    await s.on('default', `INSERT INTO contador.contagens (nome) SELECT 'c' || g FROM generate_series(1, 100) g`, [], 'kryonix_cliente_mv_api');
    const jobSettings = { KRYONIX_JOB_POLL_MS: '50', KRYONIX_JOB_HEARTBEAT_MS: '200', KRYONIX_JOB_STALE_MS: '1500' };
    const first = await s.controlPlane({ ...jobSettings, KRYONIX_FAILPOINTS: 'copy=hang' });
    let second: { child: ChildProcess; url: string } | undefined;
    try {
      const refused = await s.api(first.url, 'POST', '/v1/tenants/mv-api/move', { to: 'default' });
      expect(refused.status).toBe(400);
      const queued = await s.api(first.url, 'POST', '/v1/tenants/mv-api/move', { to: 'pg-b' });
      expect(queued.status).toBe(202);
      const job = queued.body as { id: string; kind: string };
      expect(job.kind).toBe('move_tenant');
      await until(() => s.registry(`SELECT 1 FROM tenant_management.moves WHERE tenant_id = 'mv-api' AND phase = 'copy' AND details ? 'copy'`), 'the job never copied').finally(() => first.child.kill('SIGKILL'));
      // the next control plane keeps source copies for 1 s only, and purges them every 300 ms;
      // its moves pause 3 s after their copy (a follower then sees the copy's last progress)
      second = await s.controlPlane({ ...jobSettings, KRYONIX_MOVE_KEEP: '1', KRYONIX_WORKER_INTERVAL_MS: '300', KRYONIX_FAILPOINTS: 'copy=pause' });
      const deadline = Date.now() + 120_000;
      let done: { status: string; result: Record<string, unknown> | null; attempts: number };
      for (;;) {
        done = (await s.api(second.url, 'GET', `/v1/jobs/${job.id}`)).body as typeof done;
        if (done.status === 'succeeded' || done.status === 'failed') break;
        if (Date.now() > deadline) throw new Error(`job still ${done.status}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(done).toMatchObject({ status: 'succeeded', attempts: 2, result: { outcome: 'moved', target: 'pg-b', verified: true, rows: 100, cutOverSteps: { lock: expect.any(Number), counts: expect.any(Number), switch: expect.any(Number) } } });
      expect(await s.registry(`SELECT phase, error LIKE 'rolled back: the move''s process stopped in phase copy%' AS rolled FROM tenant_management.moves WHERE tenant_id = 'mv-api' ORDER BY created_at`)).toEqual([
        { phase: 'failed', rolled: true },
        { phase: 'done', rolled: null },
      ]);
      expect(await s.leftovers('default', 'kryonix_cliente_mv_api')).toEqual(NONE);
      expect(await s.leftovers('pg-b', 'kryonix_cliente_mv_api')).toEqual(NONE);
      await until(() => s.registry(`SELECT 1 FROM tenant_management.moves WHERE tenant_id = 'mv-api' AND phase = 'done' AND source_purged_at IS NOT NULL`), 'the kept copy was never purged');
      expect(await s.on('default', `SELECT 1 FROM pg_database WHERE datname = 'kryonix_cliente_mv_api'`)).toEqual([]);
      expect(await s.on('default', `SELECT 1 FROM pg_roles WHERE rolname = 'cliente_mv_api_user'`)).toEqual([]);

      // --api follows the job: its phases as they end and its copy's progress, as in-process
      const back = s.kryonix(['tenant', 'move', 'mv-api', '--to', 'default', '--api', second.url, '--token', s.token]);
      expect(back.stderr).toBe('');
      expect(back.code).toBe(0);
      const order = [/✔ prepare_target/, /copy (\d+)\/\1 tables, 100 rows, lag /, /✔ copy/, /✔ cut_over/, /✔ verify/, /✔ clean_up/, /Moved tenant mv-api from pg-b to default/].map((text) => back.stdout.search(text));
      expect(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]!))).toBe(true);
      expect(back.stdout.match(/✔ cut_over/g)).toHaveLength(1);
      expect(await s.registry(`SELECT server_name FROM tenant_management.clientes WHERE id = 'mv-api'`)).toEqual([{ server_name: 'default' }]);
      // with --json: the result alone on stdout, the progress as JSON events on stderr
      const json = s.kryonix(['tenant', 'move', 'mv-api', '--to', 'pg-b', '--api', second.url, '--token', s.token, '--json']);
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({ outcome: 'moved', target: 'pg-b', rows: 100 });
      const events = json.stderr.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(events.length).toBeGreaterThan(0);
      expect(events.at(-1)).toMatchObject({ event: 'copy_progress', tenant: 'mv-api', tablesDone: 4, tablesTotal: 4, rows: 100 });
      expect(await s.registry(`SELECT action, outcome FROM tenant_management.audit_log WHERE target = 'mv-api' AND action = 'tenant.move' ORDER BY at`)).toEqual([
        { action: 'tenant.move', outcome: 'failure' },
        { action: 'tenant.move', outcome: 'success' },
        { action: 'tenant.move', outcome: 'success' },
        { action: 'tenant.move', outcome: 'success' },
      ]);
    } finally {
      first.child.kill('SIGKILL');
      second?.child.kill('SIGTERM');
    }
  });
});

describe('kryonix server drain', () => {
  it('moves every tenant off a server to where placement says, reports the one it cannot move, goes on when run again, ends cordoned', async () => {
    for (const [id, mode] of [
      ['dr-1', 'database'],
      ['dr-2', 'schema'],
      ['dr-3', 'database'],
    ] as const) {
      expect(s.kryonix(['tenant', 'create', id, id, '--modules', 'crm', '--mode', mode, '--server', 'pg-c']).code).toBe(0);
    }
    await s.on('pg-c', `INSERT INTO crm.leads (nome) SELECT 'l' || g FROM generate_series(1, 100) g`, [], 'kryonix_cliente_dr_1');
    expect(s.kryonix(['tenant', 'suspend', 'dr-3']).code).toBe(0);
    const counts = async () => Object.fromEntries((await s.registry<{ s: string; n: number }>(`SELECT server_name AS s, count(*)::int AS n FROM tenant_management.clientes GROUP BY 1`)).map((r) => [r.s, r.n]));
    const before = await counts();

    const first = s.kryonix(['server', 'drain', 'pg-c', '--concurrency', '2']);
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/\[\d\/3\] ✔ dr-1 → (default|pg-b) [\d.]+ s/);
    expect(first.stdout).toMatch(/\[\d\/3\] ✔ dr-2 → (default|pg-b) [\d.]+ s/);
    expect(first.stdout).toMatch(/\[\d\/3\] ✖ dr-3: .*suspended/);
    expect(first.stdout).toContain('Server pg-c still holds 1 tenant(s) that could not be moved; it stays draining');
    expect(await s.registry(`SELECT state FROM tenant_management.servers WHERE name = 'pg-c'`)).toEqual([{ state: 'draining' }]);
    // placement: the two went to the servers with the fewest tenants, one each when they were level
    const after = await counts();
    expect((after['default'] ?? 0) + (after['pg-b'] ?? 0)).toBe((before['default'] ?? 0) + (before['pg-b'] ?? 0) + 2);
    const [{ server_name: home }] = await s.registry<{ server_name: string }>(`SELECT server_name FROM tenant_management.clientes WHERE id = 'dr-1'`);
    expect(await s.on(home, `SELECT count(*)::int AS n FROM crm.leads`, [], 'kryonix_cliente_dr_1')).toEqual([{ n: 100 }]);
    expect(s.kryonix(['server', 'uncordon', 'pg-c']).code).toBe(3); // draining: refused

    expect(s.kryonix(['tenant', 'resume', 'dr-3']).code).toBe(0);
    const again = s.kryonix(['server', 'drain', 'pg-c', '--json']);
    expect(again.stderr.replace(COPY_PROGRESS, '')).toBe('');
    expect(JSON.parse(again.stdout)).toMatchObject({ name: 'pg-c', state: 'cordoned', moved: [{ tenant: 'dr-3' }], failed: [] });
    expect(await s.registry(`SELECT count(*)::int AS n FROM tenant_management.clientes WHERE server_name = 'pg-c'`)).toEqual([{ n: 0 }]);
    expect(await s.registry(`SELECT state FROM tenant_management.servers WHERE name = 'pg-c'`)).toEqual([{ state: 'cordoned' }]);
    expect(await s.registry(`SELECT outcome FROM tenant_management.audit_log WHERE action = 'server.drain' AND target = 'pg-c' ORDER BY at`)).toEqual([{ outcome: 'success' }, { outcome: 'success' }]);
    expect(await s.leftovers('pg-c', 'kryonix_tenants')).toEqual(NONE);
    expect(s.kryonix(['server', 'drain', 'pg-c', '--concurrency', '0']).code).toBe(2);
    // the same over HTTP (a durable job): nothing left to move, it stays cordoned
    const plane = await s.controlPlane({});
    try {
      expect(await jobResult(plane.url, await s.api(plane.url, 'POST', '/v1/servers/pg-c/drain', { concurrency: 2 }))).toEqual({ name: 'pg-c', state: 'cordoned', moved: [], failed: [] });
      expect((await s.api(plane.url, 'POST', '/v1/servers/pg-c/drain', { concurrency: 99 })).status).toBe(400);
    } finally {
      plane.child.kill('SIGTERM');
    }
  });
});

describe('kryonix rebalance --yes', () => {
  it('carries the plan out, a line per move, after which the plan is empty', async () => {
    for (const id of ['rb-1', 'rb-2', 'rb-3', 'rb-4', 'rb-5']) expect(s.kryonix(['tenant', 'create', id, id, '--modules', 'crm', '--mode', 'schema', '--server', 'pg-b']).code).toBe(0);
    const plan = JSON.parse(s.kryonix(['rebalance', '--dry-run', '--json']).stdout) as { moves: Array<{ tenant: string; from: string; to: string }> };
    expect(plan.moves.length).toBeGreaterThan(0);
    expect(s.kryonix(['rebalance', '--yes', '--dry-run']).code).toBe(2);
    const done = s.kryonix(['rebalance', '--yes', '--concurrency', '2']);
    expect(done.stderr.replace(COPY_PROGRESS, '')).toBe('');
    expect(done.code).toBe(0);
    for (const m of plan.moves) expect(done.stdout).toMatch(new RegExp(`\\[\\d+/${plan.moves.length}\\] ✔ ${m.tenant}: ${m.from} → ${m.to} \\((tenants|storage)\\) [\\d.]+ s`));
    expect(done.stdout).toContain(`${plan.moves.length} move(s) done.`);
    for (const m of plan.moves) expect(await s.registry(`SELECT server_name FROM tenant_management.clientes WHERE id = $1`, [m.tenant])).toEqual([{ server_name: m.to }]);
    expect(JSON.parse(s.kryonix(['rebalance', '--dry-run', '--json']).stdout).moves).toEqual([]);
    expect(s.kryonix(['rebalance', '--yes']).stdout).toContain('Balanced: no move needed.');
    expect(await s.registry(`SELECT count(*)::int AS n FROM tenant_management.audit_log WHERE action = 'fleet.rebalance' AND outcome = 'success'`)).toEqual([{ n: 2 }]);
    const plane = await s.controlPlane({});
    try {
      expect(await jobResult(plane.url, await s.api(plane.url, 'POST', '/v1/rebalance', {}))).toMatchObject({ moved: [], failed: [] });
      expect((await s.api(plane.url, 'POST', '/v1/rebalance', { concurrency: 'x' })).status).toBe(400);
    } finally {
      plane.child.kill('SIGTERM');
    }
  });
});

/** A job queued by a 202 answer, followed until it ends: its result (it must have succeeded). */
async function jobResult(url: string, queued: { status: number; body: unknown }): Promise<unknown> {
  expect(queued.status).toBe(202);
  let job = queued.body as { id: string; status: string; result?: unknown; error?: string };
  for (let i = 0; i < 600 && (job.status === 'queued' || job.status === 'running'); i++) {
    await new Promise((r) => setTimeout(r, 200));
    job = (await s.api(url, 'GET', `/v1/jobs/${encodeURIComponent(job.id)}`)).body as typeof job;
  }
  expect({ status: job.status, error: job.error ?? undefined }).toEqual({ status: 'succeeded', error: undefined });
  return job.result;
}
