/**
 * Backup benchmark: a database-mode tenant with N rows (default 1,000,000) in crm.leads
 * on a PostgreSQL 15 server (the one pg_dump 15 accepts), then, side by side in one run on
 * the same server and the same database:
 *   `kryonix tenant backup` (the CLI, its own process)  vs  `pg_dump -Fc`
 *   `kryonix tenant restore --as` (a new tenant)         vs  `pg_restore` into an empty database
 * Each is timed and its process's peak RSS sampled (VmHWM from /proc, every 25 ms). Prints
 * the figures and the ratios against the targets: backup ≤ 1.25× pg_dump -Fc,
 * restore ≤ 1.5× pg_restore, peak memory < 200 MB. Then `tenant export --format csv` to a .zip, for its memory.
 * --profile DIR runs the kryonix processes under `node --cpu-prof` (backup.cpuprofile and
 * restore.cpuprofile in DIR; summarise with tools/bench/profile-summary.mjs).
 * Usage: npm run bench:backup [-- --rows 1000000 --runs 1 --verbose --profile /tmp/prof]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { loadConfig, projectPath } from '@kryonix/platform';
import { openTestCore, startExtraPostgres } from '@kryonix/testing';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROWS = arg('rows', 1_000_000);
const RUNS = arg('runs', 1);
/** --verbose: the kryonix restore's steps and tables with their times. */
const VERBOSE = process.argv.includes('--verbose');
const PROFILE = (() => {
  const i = process.argv.indexOf('--profile');
  return i > 0 ? process.argv[i + 1] : undefined;
})();
const profiled = (name: string) => (PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`, `--cpu-prof-name=${name}.cpuprofile`] : []);
const TENANT = 'bench-bk';
const DATABASE = 'kryonix_cliente_bench_bk';
const PG_BIN = '/usr/bin';

const dbUrl = (base: string, database: string) => {
  const u = new URL(base);
  u.pathname = `/${database}`;
  return u.toString();
};

async function sql(url: string, text: string): Promise<Array<Record<string, unknown>>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

interface Run {
  ms: number;
  peakMB: number;
  stderr?: string;
}

/** Runs a process to its end: wall time, and its peak RSS (the kernel's high-water mark, read while it runs). */
function measure(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let peakKB = 0;
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKB = Math.max(peakKB, Number(m[1]));
      } catch {
        // gone already
      }
    };
    const timer = setInterval(sample, 25);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      clearInterval(timer);
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr.slice(-2000)}`));
      else resolve({ ms, peakMB: peakKB / 1024, stderr });
    });
  });
}

const best = (runs: Run[]): Run => ({ ms: Math.min(...runs.map((r) => r.ms)), peakMB: Math.max(...runs.map((r) => r.peakMB)) });
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const pg = await startExtraPostgres('bench-backup', 'pg15');
  const home = mkdtempSync(join(tmpdir(), 'kryonix-bkbench-'));
  const out = mkdtempSync(join(tmpdir(), 'kryonix-bkbench-out-'));
  const env = { KRYONIX_DATABASE_URL: pg.url, KRYONIX_HOME: home, KRYONIX_BASE_DOMAIN: 'bench.localhost', KRYONIX_LOG_LEVEL: 'silent', KRYONIX_AGENT: 'off' };
  const childEnv = { ...process.env, ...env };
  try {
    const runtime = await openTestCore(loadConfig(env, 'control-plane'), {});
    try {
      await runtime.provisioner.create({ id: TENANT, name: 'Backup bench', modules: ['crm'], mode: 'database', server: 'default' });
    } finally {
      await runtime.close();
    }
    const loading = performance.now();
    await sql(
      dbUrl(pg.url, DATABASE),
      `INSERT INTO crm.leads (nome, email, telefone, empresa, fonte, score, status, interesse, orcamento, data_ultimo_contato)
       SELECT 'Lead ' || g || ' ção', CASE WHEN g % 5 = 0 THEN NULL ELSE 'lead' || g || '@exemplo.com.br' END, '+55 11 9' || lpad(g::text, 8, '0'),
              'Empresa ' || (g % 1000), (ARRAY['whatsapp','site','indicacao'])[1 + g % 3], g % 101, 'novo', md5(g::text) || md5((g + 1)::text),
              (g % 100000) * 1.25, timestamp '2024-01-01' + g * interval '1 minute'
         FROM generate_series(1, ${ROWS}) g;
       ANALYZE`,
    );
    const [size] = await sql(dbUrl(pg.url, DATABASE), `SELECT pg_database_size(current_database()) / 1048576 AS mb, current_setting('server_version') AS v`);
    process.stdout.write(`tenant ${TENANT}: ${ROWS} rows in crm.leads, database ${size!.mb} MB on PostgreSQL ${size!.v} (loaded in ${secs(performance.now() - loading)})\n`);

    if (VERBOSE) {
      // what the server alone costs (psql's output to /dev/null): a plain COPY as pg_dump sends it, and the backup's (primary-key order)
      const columns = 'id, nome, email, telefone, empresa, fonte, score, status, interesse, orcamento, data_ultimo_contato, created_at, updated_at';
      for (const [what, statement] of [
        ['COPY crm.leads TO STDOUT', 'COPY crm.leads TO STDOUT'],
        ['COPY (SELECT … ORDER BY id) TO STDOUT', `COPY (SELECT ${columns} FROM crm.leads ORDER BY id) TO STDOUT`],
        // what the backup runs for a table whose rows do not lie in key order (TenantDataTransaction.preferOrderedScan)
        ['the same, index scans off (a sort)', `SET enable_indexscan = off; SET enable_bitmapscan = off; COPY (SELECT ${columns} FROM crm.leads ORDER BY id) TO STDOUT`],
      ] as const) {
        const r = await measure(join(PG_BIN, 'psql'), ['-X', '-q', '-o', '/dev/null', '-d', dbUrl(pg.url, DATABASE), '-c', statement], childEnv);
        process.stdout.write(`  server only: ${what.padEnd(40)} ${secs(r.ms)}\n`);
      }
    }
    const cli = [projectPath('bin', 'kryonix.js')];
    const k: { backup: Run[]; restore: Run[] } = { backup: [], restore: [] };
    const p: { dump: Run[]; restore: Run[] } = { dump: [], restore: [] };
    let kBytes = 0;
    let pBytes = 0;
    for (let i = 0; i < RUNS; i++) {
      const kFile = join(out, `k${i}.kxbackup`);
      const pFile = join(out, `p${i}.dump`);
      k.backup.push(await measure(process.execPath, [...profiled(`backup-${i}`), ...cli, 'tenant', 'backup', TENANT, '--out', kFile, '--json'], childEnv));
      p.dump.push(await measure(join(PG_BIN, 'pg_dump'), ['-Fc', '-f', pFile, dbUrl(pg.url, DATABASE)], childEnv));
      kBytes = statSync(kFile).size;
      pBytes = statSync(pFile).size;
      const copy = `bench-bk-r${i}`;
      k.restore.push(await measure(process.execPath, [...profiled(`restore-${i}`), ...cli, 'tenant', 'restore', kFile, '--as', copy, ...(VERBOSE ? [] : ['--json'])], childEnv));
      if (VERBOSE) process.stdout.write(k.restore[k.restore.length - 1]!.stderr ?? '');
      const target = `pgrestore_${i}`;
      await sql(pg.url, `CREATE DATABASE ${target}`);
      p.restore.push(await measure(join(PG_BIN, 'pg_restore'), ['--no-owner', '--no-acl', '-d', dbUrl(pg.url, target), pFile], childEnv));
      const [a] = await sql(dbUrl(pg.url, `kryonix_cliente_bench_bk_r${i}`), `SELECT count(*)::int AS n FROM crm.leads`);
      const [b] = await sql(dbUrl(pg.url, target), `SELECT count(*)::int AS n FROM crm.leads`);
      if (a!.n !== ROWS || b!.n !== ROWS) throw new Error(`restored ${String(a!.n)} and ${String(b!.n)} rows, not ${ROWS}`);
      rmSync(kFile);
      rmSync(pFile);
    }
    // the export streams too: its peak RSS at this size (not a target of the issue; shown for memory)
    const exported = await measure(process.execPath, [...cli, 'tenant', 'export', TENANT, '--format', 'csv', '--out', join(out, 'export.zip'), '--json'], childEnv);
    const [kb, pd, kr, pr] = [best(k.backup), best(p.dump), best(k.restore), best(p.restore)];
    const line = (what: string, r: Run, extra = '') => process.stdout.write(`  ${what.padEnd(42)} ${secs(r.ms).padStart(8)}   peak RSS ${r.peakMB.toFixed(0).padStart(4)} MB${extra}\n`);
    process.stdout.write(`best of ${RUNS} (time), highest peak RSS:\n`);
    line('kryonix tenant backup', kb, `   file ${(kBytes / 2 ** 20).toFixed(1)} MB (compressed, encrypted)`);
    line('pg_dump -Fc', pd, `   file ${(pBytes / 2 ** 20).toFixed(1)} MB`);
    line('kryonix tenant restore (new tenant)', kr);
    line('pg_restore (empty database)', pr);
    line('kryonix tenant export --format csv (.zip)', exported);
    const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
    const backupRatio = kb.ms / pd.ms;
    const restoreRatio = kr.ms / pr.ms;
    const peak = Math.max(kb.peakMB, kr.peakMB);
    process.stdout.write(`backup  / pg_dump -Fc  = ${backupRatio.toFixed(2)}×  (target ≤ 1.25×: ${verdict(backupRatio <= 1.25)})\n`);
    process.stdout.write(`restore / pg_restore   = ${restoreRatio.toFixed(2)}×  (target ≤ 1.5×: ${verdict(restoreRatio <= 1.5)})\n`);
    process.stdout.write(`peak memory of kryonix = ${peak.toFixed(0)} MB  (target < 200 MB: ${verdict(peak < 200)})\n`);
  } finally {
    await pg.destroy();
    rmSync(home, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
