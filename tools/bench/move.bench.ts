/**
 * Online move benchmark: a database-mode tenant with N rows (default 100,000; the issue's
 * figure is `--rows 1000000`) across its crm tables (60% leads, 20% oportunidades, 20%
 * atividades, loaded with generate_series in SQL) on one of two embedded PostgreSQL servers, a
 * steady write load through the data plane (its own process, plain HTTP on loopback),
 * and the tenant moved `--moves` times (default 5) back and forth. Prints per move the
 * copy time, the cut-over pause and the longest a request waited during it; then the
 * p50/max of those waits, the writes lost (acknowledged but not on the final server) and
 * the requests failed. Under each move, the cut-over's steps as the mover recorded them
 * (hold, lock, confirm, sequences, counts, revoke, switch, release), how long its events took
 * to reach a listener of the registry (NOTIFY, as a data plane hears them), and how long the
 * requests in flight at the TenantMoved event took to end after it.
 * Usage: npm run bench:move [-- --rows 1000000 --moves 5 --writers 4]
 *
 * With `--drain N` (`npm run bench:drain`: 200): N small tenants (crm, database mode) made
 * on one of three servers, which is then drained to the two others (`--concurrency`,
 * default 4); prints the drain's time, tenants per minute, the per-move p50/max and where
 * the tenants went.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { TENANT_EVENTS_PG_CHANNEL, TENANT_MOVE_EVENTS, formatCutOverSteps } from '@kryonix/domain';
import { ensureEmbeddedPostgres, loadConfig, projectPath, stopEmbeddedPostgres } from '@kryonix/platform';
import { AddServerCommand, DrainServerCommand, MoveTenantCommand } from '@kryonix/tenants';
import { freePort, openTestCore } from '@kryonix/testing';

const arg = (name: string, fallback: number) => {
  const i = process.argv.lastIndexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROWS = arg('rows', 100_000);
const MOVES = arg('moves', 5);
const WRITERS = arg('writers', 4);
const DRAIN = arg('drain', 0);
const CONCURRENCY = arg('concurrency', 4);
const TENANT = 'bench-move';
const DATABASE = 'kryonix_cliente_bench_move';

async function waitHealthy(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await fetch(url).then((r) => r.ok).catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

async function sql<R>(url: string, database: string, text: string, params: unknown[] = []): Promise<R[]> {
  const u = new URL(url);
  u.pathname = `/${database}`;
  const client = new Client({ connectionString: u.toString() });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as R[];
  } finally {
    await client.end();
  }
}

/** A POST through the data plane (fetch cannot set Host): status and JSON body. */
function post(port: number, host: string, key: string, body: unknown): Promise<{ status: number; body: { id?: string; error?: { code: string } } }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/crm/leads', agent: false, headers: { host, authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

async function main(): Promise<void> {
  const homes = [mkdtempSync(join(tmpdir(), 'kryonix-movebench-a-')), mkdtempSync(join(tmpdir(), 'kryonix-movebench-b-'))];
  for (const h of homes) chmodSync(h, 0o755);
  const [a, b] = await Promise.all(homes.map(async (h) => ensureEmbeddedPostgres(h, await freePort())));
  const env = { KRYONIX_DATABASE_URL: a!.url, KRYONIX_HOME: homes[0]!, KRYONIX_BASE_DOMAIN: 'bench.localhost', KRYONIX_LOG_LEVEL: 'silent' };
  let dataPlane: ChildProcess | undefined;
  try {
    const runtime = await openTestCore(loadConfig(env, 'control-plane'), {});
    await runtime.commands.execute(new AddServerCommand({ name: 'pg-b', adminUrl: b!.url }));
    const urls: Record<string, string> = { default: a!.url, 'pg-b': b!.url };
    const { apiKey } = await runtime.provisioner.create({ id: TENANT, name: 'Move bench', modules: ['crm'], mode: 'database', server: 'default' });
    const seeded = performance.now();
    const leads = ROWS - 2 * Math.floor(ROWS / 5);
    await sql(a!.url, DATABASE, `INSERT INTO crm.leads (nome, email) SELECT 'lead ' || g, 'l' || g || '@bench.test' FROM generate_series(1, $1::int) g`, [leads]);
    await sql(a!.url, DATABASE, `INSERT INTO crm.oportunidades (lead_id, titulo, valor) SELECT id, 'oportunidade ' || nome, 1000 FROM crm.leads LIMIT $1`, [Math.floor(ROWS / 5)]);
    await sql(a!.url, DATABASE, `INSERT INTO crm.atividades (lead_id, tipo) SELECT id, 'chamada' FROM crm.leads LIMIT $1`, [Math.floor(ROWS / 5)]);
    await sql(a!.url, DATABASE, 'VACUUM ANALYZE');
    console.log(`Seeded ${ROWS} rows (${leads} leads, ${Math.floor(ROWS / 5)} oportunidades, ${Math.floor(ROWS / 5)} atividades) in ${((performance.now() - seeded) / 1000).toFixed(1)} s.`);

    const port = await freePort();
    dataPlane = spawn(process.execPath, [projectPath('dist', 'data-plane.js')], { env: { ...process.env, ...env, KRYONIX_DATA_PORT: String(port), KRYONIX_DATA_METRICS_PORT: '0', KRYONIX_RATE_LIMIT: '10000000' }, stdio: 'ignore' });
    await waitHealthy(`http://127.0.0.1:${port}/healthz`);

    // the cut-over's events as a data plane hears them: when each arrives, and how long after it was sent
    const heard: Array<{ type: string; at: number; lateMs: number }> = [];
    const listener = new Client({ connectionString: (() => {
      const u = new URL(a!.url);
      u.pathname = `/${runtime.config.registryDatabase}`;
      return u.toString();
    })() });
    await listener.connect();
    listener.on('notification', (n) => {
      const event = JSON.parse(n.payload ?? '{}') as { type?: string; tenantId?: string; at?: string };
      if (event.tenantId === TENANT && event.type && event.at) heard.push({ type: event.type, at: Date.now(), lateMs: Date.now() - Date.parse(event.at) });
    });
    await listener.query(`LISTEN ${TENANT_EVENTS_PG_CHANNEL}`);

    // the steady load: WRITERS loops, each a POST then 10 ms of rest
    const spans: Array<{ sent: number; done: number }> = [];
    const acked: string[] = [];
    const failed: string[] = [];
    let longest = 0;
    let stopped = false;
    const load = Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        for (let i = 0; !stopped; i++) {
          const sent = performance.now();
          const sentAt = Date.now();
          try {
            const { status, body } = await post(port, `${TENANT}.bench.localhost`, apiKey!, { nome: `w${w}-${i}` });
            if (status === 201 && body.id) acked.push(body.id);
            else failed.push(`${status} ${body.error?.code ?? ''}`);
          } catch (error) {
            failed.push(String(error));
          }
          longest = Math.max(longest, performance.now() - sent);
          spans.push({ sent: sentAt, done: Date.now() });
          await new Promise((r) => setTimeout(r, 10));
        }
      }),
    );
    await new Promise((r) => setTimeout(r, 1_000));

    const waits: number[] = [];
    const copies: number[] = [];
    let on = 'default';
    console.log('move  from     to       copy       pause    longest wait  requests so far');
    for (let m = 1; m <= MOVES; m++) {
      const to = on === 'default' ? 'pg-b' : 'default';
      longest = 0;
      heard.length = 0;
      spans.length = 0;
      const result = await runtime.commands.execute(new MoveTenantCommand({ id: TENANT, to }));
      const copy = result.phases.find((p) => p.phase === 'copy')?.durationMs ?? 0;
      waits.push(longest);
      copies.push(copy);
      console.log(`${String(m).padEnd(5)} ${on.padEnd(8)} ${to.padEnd(8)} ${(copy / 1000).toFixed(1).padStart(6)} s ${String(result.pauseMs ?? '?').padStart(7)} ms ${Math.round(longest).toString().padStart(9)} ms  ${acked.length + failed.length}`);
      await new Promise((r) => setTimeout(r, 200)); // the requests let go by the end event finish
      const moving = heard.find((e) => e.type === TENANT_MOVE_EVENTS.moving);
      const moved = heard.find((e) => e.type === TENANT_MOVE_EVENTS.moved);
      const released = moved ? Math.max(0, ...spans.filter((r) => r.sent <= moved.at && r.done >= moved.at).map((r) => r.done - moved.at)) : null;
      console.log(`      cut-over: ${result.cutOverSteps ? formatCutOverSteps(result.cutOverSteps) : '?'}`);
      console.log(`      events heard after: moving ${moving?.lateMs ?? '?'} ms, moved ${moved?.lateMs ?? '?'} ms; held requests ended ${released ?? '?'} ms after moved`);
      on = to;
    }
    await new Promise((r) => setTimeout(r, 500));
    stopped = true;
    await load;
    const [{ n, mine }] = await sql<{ n: number; mine: number }>(urls[on]!, DATABASE, `SELECT count(*)::int AS n, count(*) FILTER (WHERE id = ANY($1::uuid[]))::int AS mine FROM crm.leads`, [acked]);
    const [{ all }] = await sql<{ all: number }>(urls[on]!, DATABASE, `SELECT (SELECT count(*) FROM crm.leads) + (SELECT count(*) FROM crm.oportunidades) + (SELECT count(*) FROM crm.atividades) AS all`);
    console.log(`\n${MOVES} moves of ${ROWS} rows under ${WRITERS} writers through the data plane:`);
    console.log(`  copy time            p50 ${(pct(copies, 50) / 1000).toFixed(1)} s, max ${(Math.max(...copies) / 1000).toFixed(1)} s`);
    console.log(`  longest request wait p50 ${Math.round(pct(waits, 50))} ms, max ${Math.round(Math.max(...waits))} ms (target p50 ≤ 500 ms)`);
    console.log(`  writes acknowledged  ${acked.length}; lost ${acked.length - mine}; leads on ${on}: ${n} (${leads} + ${acked.length} expected); rows in all: ${all} (${ROWS + acked.length} expected)`);
    console.log(`  requests failed      ${failed.length}${failed.length ? ` (${[...new Set(failed)].join(', ')})` : ''}`);
    await listener.end();
    await runtime.close();
  } finally {
    dataPlane?.kill('SIGTERM');
    await Promise.all(homes.map((h) => stopEmbeddedPostgres(h).catch(() => undefined)));
    for (const h of homes) rmSync(h, { recursive: true, force: true });
  }
}

/** `--drain N`: N small tenants on pg-b, drained to default and pg-c, `CONCURRENCY` moves at a time. */
async function drain(): Promise<void> {
  const homes = ['a', 'b', 'c'].map((s) => mkdtempSync(join(tmpdir(), `kryonix-drainbench-${s}-`)));
  for (const h of homes) chmodSync(h, 0o755);
  const [a, b, c] = await Promise.all(homes.map(async (h) => ensureEmbeddedPostgres(h, await freePort())));
  const env = { KRYONIX_DATABASE_URL: a!.url, KRYONIX_HOME: homes[0]!, KRYONIX_BASE_DOMAIN: 'bench.localhost', KRYONIX_LOG_LEVEL: 'silent' };
  try {
    const runtime = await openTestCore(loadConfig(env, 'control-plane'), {});
    await runtime.commands.execute(new AddServerCommand({ name: 'pg-b', adminUrl: b!.url }));
    await runtime.commands.execute(new AddServerCommand({ name: 'pg-c', adminUrl: c!.url }));
    const ids = Array.from({ length: DRAIN }, (_, i) => `drain-${String(i).padStart(3, '0')}`);
    const made = performance.now();
    const queue = [...ids];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) await runtime.provisioner.create({ id, name: id, modules: ['crm'], mode: 'database', server: 'pg-b' });
      }),
    );
    console.log(`Made ${DRAIN} tenants on pg-b in ${((performance.now() - made) / 1000).toFixed(1)} s.`);
    const started = performance.now();
    let shown = 0;
    const result = await runtime.commands.execute(
      new DrainServerCommand('pg-b', CONCURRENCY, (p) => {
        if (p.done - shown >= Math.max(1, Math.floor(DRAIN / 10)) || p.done === p.total) {
          shown = p.done;
          console.log(`  [${p.done}/${p.total}] ${((performance.now() - started) / 1000).toFixed(1)} s`);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const took = result.moved.map((m) => m.durationMs);
    const to = result.moved.reduce<Record<string, number>>((n, m) => ({ ...n, [m.to]: (n[m.to] ?? 0) + 1 }), {});
    console.log(`\nDrained ${DRAIN} small tenants from pg-b, ${CONCURRENCY} moves at a time, in ${seconds.toFixed(1)} s:`);
    console.log(`  tenants per minute   ${((result.moved.length / seconds) * 60).toFixed(1)}`);
    console.log(`  one move             p50 ${(pct(took, 50) / 1000).toFixed(2)} s, max ${(Math.max(...took) / 1000).toFixed(2)} s`);
    console.log(`  moved to             ${Object.entries(to).map(([s, n]) => `${s} ${n}`).join(', ')}; failed ${result.failed.length}${result.failed.length ? ` (${[...new Set(result.failed.map((f) => f.error))].slice(0, 3).join('; ')})` : ''}; pg-b is ${result.state}`);
    await runtime.close();
  } finally {
    await Promise.all(homes.map((h) => stopEmbeddedPostgres(h).catch(() => undefined)));
    for (const h of homes) rmSync(h, { recursive: true, force: true });
  }
}

(DRAIN > 0 ? drain() : main()).catch((error) => {
  console.error(error);
  process.exit(1);
});
