import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSelfSignedCertificate, projectPath } from '@kryonix/platform';
import { AddServerCommand } from '@kryonix/tenants';
import { ExtraPostgres, TestCore, TestEnv, createTestEnv, httpsRequest, startExtraPostgres, withAdmin } from '@kryonix/testing';
import { DataPlaneServer, startDataPlane } from './server';

/**
 * `kryonix tenant move` while a writer goes through the data plane: every write the data
 * plane acknowledged is on the target exactly once, and no request failed — those that
 * waited on the source's lock when the cut-over committed are run again on the new server.
 */
const BIN = projectPath('bin', 'kryonix.js');
let env: TestEnv;
let b: ExtraPostgres;
let core: TestCore;
let server: DataPlaneServer;
/** A data plane whose hold ends long before the cut-over does: its requests wait on the source's lock and are refused there at the switch. */
let shortHold: DataPlaneServer;
let ca: string;

beforeAll(async () => {
  [env, b] = await Promise.all([createTestEnv('dp-move-load'), startExtraPostgres('dp-move-load-b')]);
  core = await env.open();
  await core.commands.execute(new AddServerCommand({ name: 'pg-b', adminUrl: b.url }));
  const tls = await ensureSelfSignedCertificate(join(env.home, 'tls'), 'kryonix.test');
  ca = readFileSync(tls.cert, 'utf8');
  const settings = { ...env.env, KRYONIX_TLS_CERT: tls.cert, KRYONIX_TLS_KEY: tls.key, KRYONIX_LOG_LEVEL: 'warn', KRYONIX_RATE_LIMIT: '1000000' };
  // started at once, and each sets pg-b's gateway up on its first request there: in the middle of the load
  [server, shortHold] = await Promise.all([
    startDataPlane({ env: settings, port: 0 }),
    startDataPlane({ env: { ...settings, KRYONIX_MOVE_MAX_PAUSE: '10ms' }, port: 0 }),
  ]);
}, 120_000);
afterAll(async () => {
  await Promise.all([server?.close(), shortHold?.close()]);
  await env?.cleanup();
  await b?.destroy();
});

function kryonix(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env.env, KRYONIX_MOVE_PROGRESS_MS: '200' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface Load {
  acked: string[];
  failed: Array<{ status: number; body: unknown }>;
  longestMs: number;
  requests: number;
}

/** `writers` loops per data plane POSTing leads until `done` settles. */
async function writeWhile(id: string, key: string, done: Promise<unknown>, writers = 2): Promise<Load> {
  const load: Load = { acked: [], failed: [], longestMs: 0, requests: 0 };
  let stopped = false;
  void done.finally(() => (stopped = true));
  await Promise.all(
    [server, shortHold].flatMap((plane, p) => Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; !stopped; i++) {
        const sent = performance.now();
        const res = await httpsRequest({ port: plane.port, host: `${id}.kryonix.test`, method: 'POST', path: '/api/crm/leads', headers: { authorization: `Bearer ${key}` }, body: { nome: `p${p}w${w}-${i}` }, ca });
        load.longestMs = Math.max(load.longestMs, performance.now() - sent);
        load.requests++;
        if (res.status === 201) load.acked.push((res.body as { id: string }).id);
        else load.failed.push({ status: res.status, body: res.body });
      }
    })),
  );
  return load;
}

describe.each([
  ['database', 'kryonix_cliente_ml_db', 'crm.leads'],
  ['schema', 'kryonix_tenants', 'ml_sc_crm.leads'],
] as const)('a move in %s mode under writes through the data plane', (mode, database, table) => {
  const id = mode === 'database' ? 'ml-db' : 'ml-sc';

  it('loses no acknowledged write, duplicates none, fails no request', async () => {
    const key = (await core.provisioner.create({ id, name: id, modules: ['crm'], mode, server: 'default' })).apiKey!;
    await withAdmin((c) => c.query(`INSERT INTO ${table} (nome) SELECT 'seed ' || g FROM generate_series(1, 1000) g`), database);
    const move = kryonix(['tenant', 'move', id, '--to', 'pg-b', '--json']);
    const load = await writeWhile(id, key, move);
    const moved = await move;
    console.log(`${mode} mode: ${load.requests} requests during the move, ${load.acked.length} acknowledged, longest wait ${Math.round(load.longestMs)} ms`);
    // with --json, stdout is the result alone; the copy's progress is on stderr, a JSON event a line, the last one complete
    const events = moved.stderr.trim().split('\n').map((line) => JSON.parse(line) as { event: string; tablesDone: number; tablesTotal: number; rows: number; lagBytes: number | null });
    expect(events.every((e) => e.event === 'copy_progress')).toBe(true);
    const lastEvent = events.at(-1)!;
    expect(lastEvent).toMatchObject({ tenant: id, tablesDone: lastEvent.tablesTotal });
    expect(lastEvent.tablesTotal).toBeGreaterThan(0);
    expect(lastEvent.rows).toBeGreaterThanOrEqual(1000);
    expect(JSON.parse(moved.stdout)).toMatchObject({ outcome: 'moved', target: 'pg-b', verified: true });
    expect(load.failed).toEqual([]);
    expect(load.acked.length).toBeGreaterThan(20);

    const onTarget = await withAdmin(
      async (c) => (await c.query<{ n: number; mine: number }>(`SELECT count(*)::int AS n, count(*) FILTER (WHERE id = ANY($1::uuid[]))::int AS mine FROM ${table}`, [load.acked])).rows[0],
      database,
      b.url,
    );
    expect(onTarget).toEqual({ n: 1000 + load.acked.length, mine: load.acked.length });
    expect(new Set(load.acked).size).toBe(load.acked.length);
    // and the data plane serves it from there
    const after = await httpsRequest({ port: server.port, host: `${id}.kryonix.test`, method: 'POST', path: '/api/crm/leads', headers: { authorization: `Bearer ${key}` }, body: { nome: 'after' }, ca });
    expect(after.status).toBe(201);
    expect(await withAdmin(async (c) => (await c.query(`SELECT count(*)::int AS n FROM ${table} WHERE nome = 'after'`)).rows[0].n, database, b.url)).toBe(1);
  }, 180_000);
});
