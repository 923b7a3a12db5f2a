/**
 * What a data-plane request costs in PostgreSQL and in Node, statement by statement, without
 * HTTP: pg clients (the gateway role, as the data plane's connections) run the data plane's
 * 50-row page over N tenants' schemas in variants of the tenant switch, in interleaved rounds.
 * For each variant it prints requests per second, PostgreSQL CPU per request (the backends'
 * utime + stime from /proc, so the server must be on this machine) and Node CPU per request.
 *
 * Variants (every request goes to a tenant picked uniformly at random, so nearly every one
 * switches: the worst case of uniform traffic over many tenants):
 *  - bare:           the query only, one tenant, no switch (what the bare server does);
 *  - role+path:      SET ROLE + SET search_path pipelined with the query, one Sync (the data plane before);
 *  - role:           SET ROLE only, pipelined with the query, one Sync;
 *  - set_config2:    SELECT set_config('role', …), set_config('search_path', …) as one statement, pipelined;
 *  - set_config1:    SELECT set_config('role', …) only, pipelined;
 *  - many:           no switch (a superuser connection), the query over every tenant, unnamed: what spreading
 *                    requests over N tenants' tables costs by itself (catalog caches, planning);
 *  - many-prepared:  the same, each tenant's query a named prepared statement per connection (what the data
 *                    plane does not do: the statements would number tenants × connections).
 *
 * Usage: node tools/build.mjs && node dist/bench-pg-switch.js [--tenants 1000 --clients 8 --duration 4 --runs 3 --variants bare,role]
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { quoteIdent } from '@kryonix/domain';
import { ensureEmbeddedPostgres, stopEmbeddedPostgres } from '@kryonix/platform';
import { freePort } from '@kryonix/testing';
import { switchedQuery } from '../../apps/data-plane/src/pools/switched-query';

const flag = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const num = (name: string, fallback: number) => (flag(name) === undefined ? fallback : Number(flag(name)));
const TENANTS = Math.max(1, Math.min(num('tenants', 1000), 5000));
const CLIENTS = Math.max(1, Math.min(num('clients', 8), 64));
const DURATION = Math.max(1, Math.min(num('duration', 4), 30));
const RUNS = Math.max(1, Math.min(num('runs', 3), 9));
const ROWS = 50;
const GATEWAY = 'bench_gateway';
const DATABASE = 'bench_switch';

const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;
const roleOf = (i: number) => `bench_role_${i}`;
const schemaOf = (i: number) => `bench_crm_${i}`;
/** The data plane's default page (TableRepository.list, order by the primary key), its LIMIT a parameter. */
const pageOf = (i: number) => `SELECT * FROM ${quoteIdent(schemaOf(i))}.${quoteIdent('leads')} ORDER BY ${quoteIdent('id')} ASC LIMIT $1`;

type Run = (client: Client, tenant: number) => Promise<unknown>;
const VARIANTS: Record<string, Run> = {
  bare: (c) => c.query(pageOf(0), [ROWS + 1]),
  'role+path': (c, t) => switchedQuery(c as never, [`SET ROLE ${quoteIdent(roleOf(t))}`, `SET search_path TO ${quoteIdent(schemaOf(t))}`], pageOf(t), [ROWS + 1]),
  role: (c, t) => switchedQuery(c as never, [`SET ROLE ${quoteIdent(roleOf(t))}`], pageOf(t), [ROWS + 1]),
  set_config2: (c, t) =>
    switchedQuery(c as never, [`SELECT pg_catalog.set_config('role', ${literal(roleOf(t))}, false), pg_catalog.set_config('search_path', ${literal(quoteIdent(schemaOf(t)))}, false)`], pageOf(t), [ROWS + 1]),
  set_config1: (c, t) => switchedQuery(c as never, [`SELECT pg_catalog.set_config('role', ${literal(roleOf(t))}, false)`], pageOf(t), [ROWS + 1]),
  many: (c, t) => c.query(pageOf(t), [ROWS + 1]),
  'many-prepared': (c, t) => c.query({ name: `page_${t}`, text: pageOf(t), values: [ROWS + 1] }),
};
/** Variants that run as the server's superuser (no switch at all). */
const AS_ADMIN = new Set(['many', 'many-prepared']);
const CHOSEN = (flag('variants') ?? Object.keys(VARIANTS).join(',')).split(',').filter((v) => v in VARIANTS);

/** Time a process has spent on a CPU, in ms (the scheduler's own count, in ns). */
function cpuMs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
}

/**
 * The server's own cost of each statement, without the protocol: a DO block on the gateway's
 * connection runs `statements` (%1$s: a tenant's role, %2$s: its schema, both quoted) for
 * random tenants, `LOOPS` times, and the elapsed time per loop is returned in µs.
 */
const LOOPS = 3000;
async function serverLoop(client: Client, statements: string[]): Promise<number> {
  // (the page of one tenant runs as that tenant, set before the loop)
  if (statements.some((text) => text.includes('bench_crm_0.'))) await client.query(`SET ROLE ${quoteIdent(roleOf(0))}`);
  const body = statements.map((text) => `EXECUTE format(${literal(text)}, quote_ident('bench_role_' || k), quote_ident('bench_crm_' || k));`).join(' ');
  await client.query(`DO $$ DECLARE k int; t0 timestamptz := clock_timestamp(); BEGIN
      FOR i IN 1..${LOOPS} LOOP k := floor(random() * ${TENANTS})::int; ${body} END LOOP;
      PERFORM set_config('bench.elapsed', (extract(epoch FROM clock_timestamp() - t0) * 1e6 / ${LOOPS})::text, false);
    END $$`);
  const { rows } = await client.query<{ us: string }>(`SELECT current_setting('bench.elapsed') AS us`);
  await client.query('RESET ROLE');
  return Number(rows[0]!.us);
}
const LOOP_VARIANTS: Record<string, string[]> = {
  'nothing (the loop itself)': [],
  'SET ROLE': ['SET ROLE %1$s'],
  'SET ROLE + SET search_path': ['SET ROLE %1$s', 'SET search_path TO %2$s'],
  "set_config('role')": ["SELECT pg_catalog.set_config('role', %1$L, false)"],
  "set_config('role'), set_config('search_path')": ["SELECT pg_catalog.set_config('role', %1$L, false), pg_catalog.set_config('search_path', %2$L, false)"],
  'the page (one tenant, no switch)': ['SELECT * FROM bench_crm_0.leads ORDER BY id ASC LIMIT 51'],
  'SET ROLE + the page (random tenant)': ['SET ROLE %1$s', 'SELECT * FROM %2$s.leads ORDER BY id ASC LIMIT 51'],
};

async function setUp(adminUrl: string): Promise<string> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${quoteIdent(DATABASE)}`);
    await admin.query(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${GATEWAY}') THEN CREATE ROLE ${GATEWAY} LOGIN NOINHERIT PASSWORD 'bench'; END IF; END $$`);
    // (to read its own backend's memory: the caches' size)
    await admin.query(`GRANT pg_read_all_stats TO ${GATEWAY}`);
  } finally {
    await admin.end();
  }
  const db = new Client({ connectionString: adminUrl.replace(/\/postgres$/, `/${DATABASE}`) });
  await db.connect();
  try {
    const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM pg_namespace WHERE nspname LIKE 'bench\\_crm\\_%'`);
    for (let i = Number(rows[0]!.n); i < TENANTS; i++) {
      const role = quoteIdent(roleOf(i));
      const schema = quoteIdent(schemaOf(i));
      await db.query(`BEGIN; CREATE ROLE ${role} NOLOGIN; GRANT ${role} TO ${GATEWAY};
        CREATE SCHEMA ${schema}; GRANT USAGE ON SCHEMA ${schema} TO ${role};
        CREATE TABLE ${schema}.leads (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), nome varchar(255) NOT NULL, email varchar(255), telefone varchar(20),
          empresa varchar(255), status varchar(50) DEFAULT 'novo', score integer DEFAULT 0, orcamento decimal(10,2), interesse text,
          created_at timestamp DEFAULT now(), updated_at timestamp DEFAULT now());
        INSERT INTO ${schema}.leads (nome, email, empresa, interesse, orcamento)
          SELECT 'lead ' || g || ' of ${roleOf(i)}', 'l' || g || '@example.test', 'Empresa ' || g, repeat('x', 40), g * 10 FROM generate_series(1, ${ROWS}) g;
        GRANT SELECT, INSERT, UPDATE, DELETE ON ${schema}.leads TO ${role}; COMMIT`);
    }
    await db.query(`ANALYZE`);
  } finally {
    await db.end();
  }
  const url = new URL(adminUrl.replace(/\/postgres$/, `/${DATABASE}`));
  url.username = GATEWAY;
  url.password = 'bench';
  // as the data plane's connections: the search path is only the catalog, set at start (statements name their schemas)
  url.searchParams.set('options', '-c search_path=pg_catalog');
  return url.toString();
}

interface Connected {
  c: Client;
  pid: number;
}

async function connect(url: string, switches: boolean): Promise<Connected[]> {
  return Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const c = new Client({ connectionString: url, application_name: 'bench-switch' });
      c.on('error', () => undefined); // the server stopped at the end: nothing to do
      await c.connect();
      const { rows } = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // every backend's caches hold every tenant's table, as a long-running pool's do under uniform traffic
      for (let t = 0; t < TENANTS; t++) await (switches ? VARIANTS['role']!(c, t) : c.query(pageOf(t), [1]));
      return { c, pid: rows[0]!.pid };
    }),
  );
}

async function measure(clients: Connected[], variant: string): Promise<{ rps: number; pgMs: number; nodeMs: number }> {
  const run = VARIANTS[variant]!;
  if (variant === 'bare') await Promise.all(clients.map(({ c }) => c.query(`SET ROLE ${quoteIdent(roleOf(0))}`)));
  const pg0 = clients.reduce((n, { pid }) => n + cpuMs(pid), 0);
  const node0 = process.cpuUsage();
  const end = Date.now() + DURATION * 1000;
  let done = 0;
  await Promise.all(
    clients.map(async ({ c }) => {
      while (Date.now() < end) {
        await run(c, Math.floor(Math.random() * TENANTS));
        done++;
      }
    }),
  );
  const node = process.cpuUsage(node0);
  const pg = clients.reduce((n, { pid }) => n + cpuMs(pid), 0) - pg0;
  return { rps: done / DURATION, pgMs: pg / done, nodeMs: (node.user + node.system) / 1000 / done };
}

/**
 * The same requests from pgbench (a C client: little of the time is the client's), one simple
 * Query message per request (`\;` joins the switch and the page into it), interleaved rounds.
 */
const PGBENCH: Record<string, { script: string; admin?: boolean; options?: string; extended?: boolean }> = {
  'page, one tenant': { script: 'SELECT * FROM bench_crm_0.leads ORDER BY id ASC LIMIT 51;', options: '-c role=bench_role_0' },
  // as the data plane sends it (LIMIT a parameter: Parse, Bind, Describe, Execute, Sync) against the bare server's one Query message
  'page, one tenant, extended protocol': { script: 'SELECT * FROM bench_crm_0.leads ORDER BY id ASC LIMIT :k;', options: '-c role=bench_role_0', extended: true },
  'page, random tenant (superuser, no switch)': { script: 'SELECT * FROM bench_crm_:k.leads ORDER BY id ASC LIMIT 51;', admin: true },
  'SET ROLE + page': { script: 'SET ROLE bench_role_:k \\; SELECT * FROM bench_crm_:k.leads ORDER BY id ASC LIMIT 51;' },
  'SET ROLE + SET search_path + page': { script: 'SET ROLE bench_role_:k \\; SET search_path TO bench_crm_:k \\; SELECT * FROM bench_crm_:k.leads ORDER BY id ASC LIMIT 51;' },
};

function pgbench(url: string, script: string, options: string | undefined, extended: boolean, dir: string): { cold: number; warm: number } {
  const file = join(dir, 'script.sql');
  writeFileSync(file, `${extended ? '\\set k 51' : `\\set k random(0, ${TENANTS - 1})`}\n${script}\n`);
  // pgbench's connections are new: the first seconds fill each backend's catalog caches with
  // every tenant's table (what a new data-plane connection pays too); the figure is the median
  // of the per-second rates of the second half, once the caches are warm
  const result = spawnSync('pgbench', ['-n', '-M', extended ? 'extended' : 'simple', '-c', String(CLIENTS), '-j', '2', '-T', String(2 * DURATION), '-P', '1', '-f', file, url], {
    encoding: 'utf8',
    env: { ...process.env, PGOPTIONS: `-c search_path=pg_catalog ${options ?? ''}` },
    timeout: (2 * DURATION + 60) * 1000,
  });
  const seconds = [...result.stderr.matchAll(/progress: [\d.]+ s, ([\d.]+) tps/g)].map((m) => Number(m[1]));
  if (result.status !== 0 || seconds.length < 2) throw new Error(`pgbench failed: ${result.stderr.slice(-500)}`);
  const warm = seconds.slice(Math.floor(seconds.length / 2));
  return { cold: seconds[0]!, warm: median(warm) };
}

/**
 * What a new connection pays: the first request of each tenant on a fresh backend (its catalog
 * caches filled with that tenant's table, index and rights) against the second, and how much
 * memory the backend's caches (CacheMemoryContext and its children) hold once it has served every tenant.
 */
async function firstTouch(url: string): Promise<{ coldMs: number; warmMs: number; cacheBefore: number; cacheAfter: number }> {
  const c = new Client({ connectionString: url, application_name: 'bench-switch' });
  c.on('error', () => undefined);
  await c.connect();
  try {
    const cache = async () => {
      const sql = `SET ROLE pg_read_all_stats; SELECT coalesce(sum(total_bytes), 0) AS bytes FROM pg_catalog.pg_backend_memory_contexts
        WHERE name = 'CacheMemoryContext' OR parent = 'CacheMemoryContext'; RESET ROLE`;
      const results = (await c.query(sql)) as unknown as Array<{ rows: Array<{ bytes: string }> }>;
      return Number(results[1]!.rows[0]!.bytes);
    };
    const cacheBefore = await cache();
    const pass = async () => {
      const started = process.hrtime.bigint();
      for (let t = 0; t < TENANTS; t++) await VARIANTS['role']!(c, t);
      return Number(process.hrtime.bigint() - started) / 1e6 / TENANTS;
    };
    const coldMs = await pass();
    const warmMs = await pass();
    return { coldMs, warmMs, cacheBefore, cacheAfter: await cache() };
  } finally {
    await c.end();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const home = flag('home') ?? mkdtempSync(join(tmpdir(), 'kryonix-pgswitch-'));
  chmodSync(home, 0o755);
  const server = await ensureEmbeddedPostgres(home, await freePort(), { maxConnections: 100 });
  try {
    const gatewayUrl = await setUp(server.url);
    const touch = await firstTouch(gatewayUrl);
    console.log(
      `a new connection, each of ${TENANTS} tenants once (switch + page): first time ${touch.coldMs.toFixed(2)} ms per tenant, second time ${touch.warmMs.toFixed(2)} ms; ` +
        `the backend's catalog caches ${(touch.cacheBefore / 1048576).toFixed(1)} MB before, ${(touch.cacheAfter / 1048576).toFixed(1)} MB after`,
    );
    const gateway = await connect(gatewayUrl, true);
    const adminUrl = server.url.replace(/\/postgres$/, `/${DATABASE}`);
    const admin = CHOSEN.some((v) => AS_ADMIN.has(v)) ? await connect(adminUrl, false) : [];
    console.log(`${TENANTS} tenants (one schema and one 50-row leads table each), ${CLIENTS} clients, ${RUNS} interleaved rounds of ${DURATION} s per variant`);
    console.log(`\nthe server's cost per statement (a DO loop of ${LOOPS} on one gateway connection, µs per loop, median of ${RUNS}):`);
    const loopClient = gateway[0]!.c;
    const loops = new Map<string, number[]>();
    for (let round = 0; round < RUNS; round++) {
      for (const [name, statements] of Object.entries(LOOP_VARIANTS)) loops.set(name, [...(loops.get(name) ?? []), await serverLoop(loopClient, statements)]);
    }
    for (const [name, us] of loops) console.log(`  ${name.padEnd(48)} ${median(us).toFixed(1).padStart(7)} µs   (${us.map((u) => u.toFixed(1)).join(', ')})`);
    console.log('');
    if (!flag('no-pgbench')) {
      const dir = mkdtempSync(join(tmpdir(), 'kryonix-pgbench-'));
      const plain = (u: string) => u.replace(/\?.*$/, '');
      const tps = new Map<string, Array<{ cold: number; warm: number }>>();
      for (let round = 0; round < RUNS; round++) {
        for (const [name, v] of Object.entries(PGBENCH)) tps.set(name, [...(tps.get(name) ?? []), pgbench(plain(v.admin ? adminUrl : gatewayUrl), v.script, v.options, v.extended ?? false, dir)]);
      }
      rmSync(dir, { recursive: true, force: true });
      const one = median(tps.get('page, one tenant')!.map((t) => t.warm));
      console.log(`pgbench -M simple (extended where said) -c ${CLIENTS} -j 2 -T ${2 * DURATION} -P 1, ${RUNS} interleaved rounds: transactions per second once warm (median of the second half's seconds; ratio to one tenant without a switch), and in the first second (cold caches)`);
      for (const [name, t] of tps) {
        const warm = t.map((x) => x.warm);
        console.log(`  ${name.padEnd(48)} ${median(warm).toFixed(0).padStart(6)} tps  ${(median(warm) / one).toFixed(2)}   (${warm.map((x) => x.toFixed(0)).join(', ')})   first second ${median(t.map((x) => x.cold)).toFixed(0)} tps`);
      }
      console.log('');
    }
    const results = new Map<string, Array<{ rps: number; pgMs: number; nodeMs: number }>>();
    for (let round = 0; round < RUNS; round++) {
      for (const variant of CHOSEN) {
        const r = await measure(AS_ADMIN.has(variant) ? admin : gateway, variant);
        results.set(variant, [...(results.get(variant) ?? []), r]);
        console.log(`round ${round + 1} ${variant.padEnd(12)} ${r.rps.toFixed(0).padStart(6)} req/s  PostgreSQL ${(r.pgMs * 1000).toFixed(0).padStart(4)} µs/req  Node ${(r.nodeMs * 1000).toFixed(0).padStart(4)} µs/req`);
      }
    }
    const base = results.get('bare');
    console.log('\nmedians (ratio of throughput to bare; CPU per request in µs)');
    for (const [variant, rs] of results) {
      const rps = median(rs.map((r) => r.rps));
      const ratio = base ? ` ${(rps / median(base.map((r) => r.rps))).toFixed(2)}x bare` : '';
      console.log(`${variant.padEnd(12)} ${rps.toFixed(0).padStart(6)} req/s${ratio}  PostgreSQL ${(median(rs.map((r) => r.pgMs)) * 1000).toFixed(0)} µs  Node ${(median(rs.map((r) => r.nodeMs)) * 1000).toFixed(0)} µs`);
    }
    await Promise.all([...gateway, ...admin].map(({ c }) => c.end()));
  } finally {
    await stopEmbeddedPostgres(home);
    if (!flag('home')) rmSync(home, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
