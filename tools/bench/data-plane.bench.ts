/**
 * Data plane benchmark: `GET /api/crm/leads?limit=50` spread over N tenants
 * (default 1,000), in schema mode and in database mode, against a bare Fastify +
 * one pg.Pool server running the same query on one schema. Load from wrk on
 * loopback (bounded: --duration seconds per run). Prints requests/s, p50/p99,
 * the ratio to the bare server and the peak server connection count.
 * Database mode runs twice: at --cap (default 100, the product's default) and at
 * --db-cap, a cap sized to the active tenants (default: a tenant pool for every
 * tenant plus 2 %, the shared schema-mode pool keeping its quarter of the cap).
 * Usage: npm run bench:data-plane [-- --tenants 1000 --duration 10 --connections 32 --cap 100 --db-cap 1360]
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { ensureEmbeddedPostgres, loadConfig, stopEmbeddedPostgres } from '@kryonix/platform';
import { projectPath } from '@kryonix/platform';
import { freePort, openTestCore } from '@kryonix/testing';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const TENANTS = arg('tenants', 1000);
const DURATION = Math.min(arg('duration', 10), 60);
const CONNECTIONS = arg('connections', 32);
const CAP = arg('cap', 100);
/** A quarter of the cap goes to the shared schema-mode pool; the rest must hold one pool per active tenant (KRYONIX_TENANT_POOL_SIZE 1). */
const DB_CAP = arg('db-cap', Math.ceil(((TENANTS + Math.max(10, Math.ceil(TENANTS * 0.02))) * 4) / 3));
/** Room on the server for the sized data plane, the bare peer, the sampler and the setup. */
const PG_MAX_CONNECTIONS = Math.max(300, DB_CAP + 100);
const TARGET = 0.85;

interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  errors: string;
}

/** wrk on loopback; the Lua script spreads requests over the tenants (Host + key per request). */
function wrk(port: number, targets: Array<{ host: string; key: string }>, dir: string, label: string): WrkResult {
  const list = join(dir, `${label}.targets`);
  writeFileSync(list, targets.map((t) => `${t.host} ${t.key}`).join('\n') + '\n');
  const script = join(dir, `${label}.lua`);
  writeFileSync(
    script,
    `local targets = {}
for line in io.lines("${list}") do
  local host, key = line:match("(%S+) (%S+)")
  targets[#targets + 1] = { host = host, key = key }
end
local i = 0
request = function()
  i = i + 1
  local t = targets[(i % #targets) + 1]
  return wrk.format("GET", "/api/crm/leads?limit=50", { ["Host"] = t.host, ["Authorization"] = "Bearer " .. t.key })
end
`,
  );
  const out = execFileSync('wrk', ['-t2', `-c${CONNECTIONS}`, `-d${DURATION}s`, '--latency', '-s', script, `http://127.0.0.1:${port}`], { encoding: 'utf8' });
  const ms = (v: string, unit: string) => Number(v) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : 1);
  const pick = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
    return m ? ms(m[1]!, m[2]!) : NaN;
  };
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    p50: pick('50'),
    p99: pick('99'),
    errors: /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0',
  };
}

/** Peak server connections of one application while `during` runs, sampled by a separate process (wrk blocks this one). */
async function peakConnections(adminUrl: string, application: string, during: () => Promise<unknown>): Promise<{ peak: number }> {
  const sampler = spawn('bash', ['-c', `peak=0; while true; do n=$(psql "$0" -Atc "SELECT count(*) FROM pg_stat_activity WHERE application_name = '${application}'"); [ "$n" -gt "$peak" ] && peak=$n && echo $peak; sleep 0.1; done`, adminUrl], { stdio: ['ignore', 'pipe', 'ignore'] });
  let peak = 0;
  sampler.stdout!.on('data', (d: Buffer) => (peak = Math.max(peak, ...String(d).trim().split('\n').map(Number))));
  try {
    await during();
  } finally {
    const ended = new Promise((r) => sampler.stdout!.once('end', r));
    sampler.kill('SIGTERM');
    await ended;
  }
  return { peak };
}

/** One request per tenant (32 at a time): every tenant's pool and connection exist before wrk starts. */
async function touchEveryTenant(port: number, targets: Array<{ host: string; key: string }>): Promise<void> {
  const one = (t: { host: string; key: string }) =>
    new Promise<void>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/api/crm/leads?limit=50', headers: { host: t.host, authorization: `Bearer ${t.key}` } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`warm-up of ${t.host}: ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end();
    });
  const queue = [...targets];
  await Promise.all(Array.from({ length: 32 }, async () => {
    for (let t = queue.shift(); t; t = queue.shift()) await one(t);
  }));
}

async function waitHealthy(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

/** The data plane as its own process (wrk blocks this one) at a connection cap; `stop` waits until it has closed its pools. */
async function startDataPlaneProcess(env: Record<string, string>, cap: number): Promise<{ port: number; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [projectPath('dist', 'data-plane.js')], {
    env: { ...process.env, ...env, KRYONIX_DATA_PORT: String(port), KRYONIX_DATA_METRICS_PORT: '0', KRYONIX_MAX_CONNECTIONS: String(cap), KRYONIX_ROUTE_TTL_MS: '60000' },
    stdio: 'ignore',
  });
  await waitHealthy(`http://127.0.0.1:${port}/healthz`);
  return {
    port,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'kryonix-dpbench-'));
  chmodSync(home, 0o755);
  const server = await ensureEmbeddedPostgres(home, await freePort(), { maxConnections: PG_MAX_CONNECTIONS });
  const env = { KRYONIX_DATABASE_URL: server.url, KRYONIX_HOME: home, KRYONIX_BASE_DOMAIN: 'bench.localhost', KRYONIX_LOG_LEVEL: 'silent' };
  const children: Array<ReturnType<typeof spawn>> = [];
  try {
    const runtime = await openTestCore(loadConfig(env, 'control-plane'), {});
    const targets: Record<'schema' | 'database', Array<{ id: string; host: string; key: string }>> = { schema: [], database: [] };
    const started = Date.now();
    for (const mode of ['schema', 'database'] as const) {
      const ids = Array.from({ length: TENANTS }, (_, i) => `${mode === 'schema' ? 's' : 'd'}${String(i).padStart(4, '0')}`);
      for (let i = 0; i < ids.length; i += 4) {
        await Promise.all(
          ids.slice(i, i + 4).map(async (id) => {
            const t = await runtime.provisioner.create({ id, name: id, modules: 'crm', mode });
            targets[mode].push({ id, host: `${id}.bench.localhost`, key: t.apiKey! });
          }),
        );
      }
    }
    // 50 leads per tenant, so every request returns a full page
    const admin = new Pool({ connectionString: server.url.replace(/\/postgres$/, '/kryonix_tenants'), max: 4 });
    for (const t of targets.schema) await admin.query(`INSERT INTO "${t.id}_crm".leads (nome, status) SELECT 'Lead ' || g, 'novo' FROM generate_series(1, 50) g`);
    await admin.end();
    for (const t of targets.database) {
      const c = new Client({ connectionString: server.url.replace(/\/postgres$/, `/kryonix_cliente_${t.id}`) });
      await c.connect();
      await c.query(`INSERT INTO crm.leads (nome, status) SELECT 'Lead ' || g, 'novo' FROM generate_series(1, 50) g`);
      await c.end();
    }
    console.log(`Set up ${TENANTS} tenants per mode with 50 leads each in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
    await runtime.close();

    // the bare peer, in its own process (wrk blocks this one): Fastify + one pg.Pool, the same query on one schema
    const barePort = await freePort();
    children.push(spawn(process.execPath, [projectPath('tools', 'bench', 'bare-server.mjs'), String(barePort), server.url.replace(/\/postgres$/, '/kryonix_tenants'), `${targets.schema[0]!.id}_crm`], { stdio: 'ignore' }));
    await waitHealthy(`http://127.0.0.1:${barePort}/api/crm/leads`);

    const dir = mkdtempSync(join(tmpdir(), 'kryonix-wrk-'));
    const results: Array<[string, WrkResult, number]> = [];
    /** One measured wrk run, with the peak server connection count of `application` meanwhile. */
    const measure = async (label: string, application: string, port: number, list: Array<{ host: string; key: string }>, name: string) => {
      let r!: WrkResult;
      const p = await peakConnections(server.url, application, () => new Promise<void>((done) => setImmediate(() => done(void (r = wrk(port, list, dir, name))))));
      results.push([label, r, p.peak]);
    };
    const bare = [{ host: 'bare', key: 'none' }];
    wrk(barePort, bare, dir, 'warm-bare'); // warm-up runs fill route caches and pools (not measured)
    await measure('bare Fastify + pg.Pool, one schema', 'bench-bare', barePort, bare, 'bare-1');

    // the product's default cap: both modes
    let dp = await startDataPlaneProcess(env, CAP);
    children.push(dp.child);
    for (const mode of ['schema', 'database'] as const) wrk(dp.port, targets[mode], dir, `warm-${mode}`);
    for (const mode of ['schema', 'database'] as const) await measure(`data plane, ${mode} mode, ${TENANTS} tenants, cap ${CAP}`, 'kryonix-data-plane', dp.port, targets[mode], mode);
    await dp.stop();

    // database mode again, the cap sized to the active tenants
    dp = await startDataPlaneProcess(env, DB_CAP);
    children.push(dp.child);
    await touchEveryTenant(dp.port, targets.database); // opens the 1 connection of each tenant's pool
    wrk(dp.port, targets.database, dir, 'warm-database-sized');
    await measure(`data plane, database mode, ${TENANTS} tenants, cap ${DB_CAP}`, 'kryonix-data-plane', dp.port, targets.database, 'database-sized');
    await dp.stop();

    await measure('bare Fastify + pg.Pool, one schema (again)', 'bench-bare', barePort, bare, 'bare-2');
    rmSync(dir, { recursive: true, force: true });

    // The bare server runs first and last: the ratio is to the mean of both (the machine is shared, figures drift).
    const bareRuns = results.filter(([label]) => label.startsWith('bare'));
    const base = bareRuns.reduce((n, [, res]) => n + res.rps, 0) / bareRuns.length;
    console.log(`\nGET /api/crm/leads?limit=50, wrk -t2 -c${CONNECTIONS} -d${DURATION}s on loopback (plain HTTP), PostgreSQL embedded (max_connections ${PG_MAX_CONNECTIONS}), 2 cores shared by all.`);
    console.log(`ratio: to the mean of the two bare runs (${base.toFixed(0)} req/s); peak conns: that server's connections in pg_stat_activity.\n`);
    console.log(`${'server'.padEnd(52)} ${'req/s'.padStart(9)} ${'p50'.padStart(9)} ${'p99'.padStart(9)} ${'ratio'.padStart(6)} ${'non-2xx'.padStart(8)} ${'peak conns'.padStart(10)}`);
    for (const [label, res, peak] of results) {
      console.log(`${label.padEnd(52)} ${res.rps.toFixed(0).padStart(9)} ${`${res.p50.toFixed(2)}ms`.padStart(9)} ${`${res.p99.toFixed(2)}ms`.padStart(9)} ${(res.rps / base).toFixed(2).padStart(6)} ${res.errors.padStart(8)} ${String(peak).padStart(10)}`);
    }
    console.log('');
    const met = (res: WrkResult) => res.rps / base >= TARGET;
    for (const [label, res] of results.filter(([label]) => label.startsWith('data plane'))) console.log(`${label}: ${(res.rps / base).toFixed(2)} of the bare server (target >= ${TARGET}: ${met(res) ? 'met' : 'NOT met'})`);
    const database = (cap: number) => results.find(([label]) => label.includes('database mode') && label.endsWith(`cap ${cap}`))![1];
    const tenantPools = DB_CAP - Math.max(2, Math.floor(DB_CAP / 4));
    console.log(
      `\nDatabase mode over ${TENANTS} tenants: target ${met(database(CAP)) ? 'met' : 'NOT met'} at KRYONIX_MAX_CONNECTIONS=${CAP}; ` +
        `${met(database(DB_CAP)) ? 'met' : 'NOT met'} at KRYONIX_MAX_CONNECTIONS=${DB_CAP} (${tenantPools} tenant pools, one connection per active tenant; PostgreSQL max_connections ${PG_MAX_CONNECTIONS}).`,
    );
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await stopEmbeddedPostgres(home);
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
