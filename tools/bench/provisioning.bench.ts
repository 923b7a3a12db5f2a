/**
 * Provisioning benchmark: one embedded PostgreSQL, three peers on it, one run.
 *   - in-process: Provisioner.create() per mode (database, schema), all four modules
 *   - whole-process: `kryonix tenant create` as users run it (the local agent up after the
 *     first command), and with KRYONIX_AGENT=off (node + CLI + connect + provision each time)
 *   - baseline: ../shared/baseline/auto-create-tenant.sh (bash + psql), same server
 *   - whole-process through a running control plane: `kryonix --api <url> tenant create`
 * Prints medians and the ratios. Usage: npm run bench:provisioning [-- --runs 15]
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureEmbeddedPostgres, loadConfig, stopEmbeddedPostgres } from '@kryonix/platform';
import { projectPath } from '@kryonix/platform';
import { freePort, openTestCore } from '@kryonix/testing';

const MODULES = 'crm,whatsapp,agendamento,financeiro';
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
const WARMUP = 5;

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { n: s.length, p50: median(s), p90: q(0.9), min: s[0]!, max: s[s.length - 1]! };
}
function median(sorted: number[]): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}
const fmt = (ms: number) => `${ms.toFixed(1).padStart(8)} ms`;

async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet listening
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'kryonix-bench-'));
  chmodSync(home, 0o755);
  const port = await freePort();
  console.log(`Starting embedded PostgreSQL on 127.0.0.1:${port} …`);
  const server = await ensureEmbeddedPostgres(home, port);
  const version = execFileSync('psql', [server.url, '-Atc', 'SHOW server_version'], { encoding: 'utf8' }).trim();
  const env = { KRYONIX_DATABASE_URL: server.url, KRYONIX_HOME: home, KRYONIX_REGISTRY_DATABASE: 'kx_bench_registry' };
  try {
    // --- in-process -------------------------------------------------------------------
    // Twice: as a long-lived process runs it (the control plane, the CLI's agent: warm
    // spares, KRYONIX_WARM_DATABASES=2, replenished in the background between creates that
    // follow each other without pause), and with no spares (clone / DDL every time).
    const checkpoint = () => execFileSync('psql', [server.url, '-qc', 'CHECKPOINT']);
    const inProcess: Record<string, Record<string, number[]>> = { spares: { database: [], schema: [] }, none: { database: [], schema: [] } };
    const perStep: Record<string, Record<string, Record<string, number[]>>> = { spares: { database: {}, schema: {} }, none: { database: {}, schema: {} } };
    for (const variant of ['none', 'spares'] as const) {
      const runtime = await openTestCore(loadConfig(env, 'control-plane'), { warmDatabases: variant === 'spares' ? 2 : 0 });
      // Warm-up, not measured: builds the template database once (and the first spares).
      for (const mode of ['database', 'schema'] as const) {
        for (let i = 0; i < WARMUP; i++) await runtime.provisioner.create({ id: `warm-${variant}-${mode.slice(0, 2)}-${i}`, name: 'Warm-up', modules: MODULES, mode });
      }
      await runtime.provisioner.drain();
      checkpoint();
      for (const mode of ['database', 'schema'] as const) {
        for (let i = 0; i < RUNS; i++) {
          const started = performance.now();
          await runtime.provisioner.create(
            { id: `inp-${variant.slice(0, 2)}-${mode.slice(0, 2)}-${i}`, name: 'Bench Ltda', modules: MODULES, mode },
            { onStep: (e) => void (perStep[variant]![mode]![e.step] ??= []).push(e.durationMs) },
          );
          inProcess[variant]![mode]!.push(performance.now() - started);
        }
      }
      await runtime.close();
    }

    // --- whole process: the CLI ---------------------------------------------------------
    // `node bin/kryonix.js` (= ./kryonix, or `kryonix` after npm link), or through npx as a user may type it
    const cliCreate = (id: string, mode: string, extra: Record<string, string> = {}, viaNpx = false) => {
      const started = performance.now();
      const args = ['tenant', 'create', id, 'Bench Ltda', '--modules', MODULES, '--mode', mode, '--json'];
      const r = spawnSync(viaNpx ? 'npx' : process.execPath, viaNpx ? ['--no-install', 'kryonix', ...args] : [projectPath('bin', 'kryonix.js'), ...args], {
        env: { ...process.env, ...env, ...extra },
        cwd: projectPath(),
        encoding: 'utf8',
      });
      const elapsed = performance.now() - started;
      if (r.status !== 0) throw new Error(`kryonix tenant create failed: ${r.stderr}`);
      return elapsed;
    };
    // Each CLI process runs the command itself (KRYONIX_AGENT=off).
    const cli: Record<string, number[]> = { database: [], schema: [] };
    checkpoint();
    for (const mode of ['database', 'schema'] as const) {
      for (let i = 0; i < RUNS; i++) cli[mode]!.push(cliCreate(`cli-${mode.slice(0, 2)}-${i}`, mode, { KRYONIX_AGENT: 'off' }));
    }
    // The default: the first command runs itself and leaves the local agent; the next ones
    // go through it (measured after it is up and has served two warm-up creates).
    const viaAgent: Record<string, number[]> = { database: [], schema: [] };
    cliCreate('agent-first', 'database');
    const runDir = join(home, 'run');
    for (let i = 0; i < 300 && !(existsSync(runDir) && readdirSync(runDir).some((f) => f.endsWith('.sock.pid'))); i++) await new Promise((r) => setTimeout(r, 100));
    for (const mode of ['database', 'schema'] as const) {
      for (let i = 0; i < 2; i++) cliCreate(`agent-warm-${mode.slice(0, 2)}-${i}`, mode);
    }
    checkpoint();
    for (const mode of ['database', 'schema'] as const) {
      for (let i = 0; i < RUNS; i++) viaAgent[mode]!.push(cliCreate(`agent-${mode.slice(0, 2)}-${i}`, mode));
    }
    // the same through `npx kryonix`: npm's own start-up on top
    const viaNpx: number[] = [];
    for (let i = 0; i < RUNS; i++) viaNpx.push(cliCreate(`npx-db-${i}`, 'database', {}, true));
    spawnSync(process.execPath, [projectPath('bin', 'kryonix.js'), 'agent', 'stop'], { env: { ...process.env, ...env } });

    // --- whole process: the CLI against a running control plane (--api, as with `kryonix up`)
    const token = 'bench-operator-token-0123456789';
    const controlPort = await freePort();
    const controlPlane = spawn(process.execPath, [projectPath('dist', 'control-plane.js')], {
      env: { ...process.env, ...env, KRYONIX_OPERATOR_TOKEN: token, KRYONIX_CONTROL_PORT: String(controlPort), KRYONIX_LOG_LEVEL: 'warn', KRYONIX_METRICS_INTERVAL_MS: '0', KRYONIX_WORKER_INTERVAL_MS: '0' },
      stdio: 'ignore',
    });
    const viaApi: Record<string, number[]> = { database: [], schema: [] };
    try {
      await waitReady(`http://127.0.0.1:${controlPort}/readyz`);
      checkpoint();
      for (const mode of ['database', 'schema'] as const) {
        for (let i = 0; i < RUNS; i++) viaApi[mode]!.push(cliCreate(`api-${mode.slice(0, 2)}-${i}`, mode, { KRYONIX_API_URL: `http://127.0.0.1:${controlPort}`, KRYONIX_OPERATOR_TOKEN: token }));
      }
    } finally {
      controlPlane.kill('SIGTERM');
    }

    // --- baseline: the bash script on the same server ----------------------------------
    const baselineDir = projectPath('..', 'shared', 'baseline');
    const baseline: number[] = [];
    if (existsSync(join(baselineDir, 'auto-create-tenant.sh'))) {
      const u = new URL(server.url);
      const pgEnv = { ...process.env, PGHOST: '127.0.0.1', DB_HOST: '127.0.0.1', PGPORT: u.port, PGUSER: decodeURIComponent(u.username), PGPASSWORD: decodeURIComponent(u.password) };
      execFileSync('createdb', ['kryonix_core'], { env: pgEnv });
      execFileSync('psql', ['-q', '-d', 'kryonix_core', '-f', join(baselineDir, 'setup-master.sql')], { env: pgEnv, stdio: 'ignore' });
      const out = mkdtempSync(join(tmpdir(), 'kryonix-baseline-out-'));
      checkpoint();
      for (let i = 0; i < Math.min(RUNS, 10); i++) {
        const started = performance.now();
        const r = spawnSync('bash', [join(baselineDir, 'auto-create-tenant.sh'), `baseline${i}`, 'Bench Ltda', MODULES], { env: { ...pgEnv, OUT_DIR: out }, encoding: 'utf8' });
        baseline.push(performance.now() - started);
        if (r.status !== 0) throw new Error(`baseline script failed: ${r.stderr}`);
      }
      rmSync(out, { recursive: true, force: true });
    }

    // --- report ----------------------------------------------------------------------
    const rows: Array<[string, ReturnType<typeof stats>]> = [
      ['in-process create, database mode', stats(inProcess.spares!.database!)],
      ['in-process create, schema mode', stats(inProcess.spares!.schema!)],
      ['in-process, no warm spares, database mode', stats(inProcess.none!.database!)],
      ['in-process, no warm spares, schema mode', stats(inProcess.none!.schema!)],
      ['kryonix tenant create, local agent, database', stats(viaAgent.database!)],
      ['kryonix tenant create, local agent, schema', stats(viaAgent.schema!)],
      ['npx kryonix tenant create, local agent, db', stats(viaNpx)],
      ['kryonix tenant create, KRYONIX_AGENT=off, db', stats(cli.database!)],
      ['kryonix tenant create, KRYONIX_AGENT=off, sch', stats(cli.schema!)],
    ];
    rows.push(['kryonix --api … tenant create, database mode', stats(viaApi.database!)]);
    rows.push(['kryonix --api … tenant create, schema mode', stats(viaApi.schema!)]);
    if (baseline.length) rows.push(['baseline auto-create-tenant.sh', stats(baseline)]);
    console.log(`\nProvisioning, all four modules; PostgreSQL ${version} (embedded) on loopback; ${RUNS} runs each after ${WARMUP} warm-up creates per mode (baseline ${baseline.length}).\n`);
    console.log(`${'peer'.padEnd(44)} ${'n'.padStart(3)} ${'p50'.padStart(11)} ${'p90'.padStart(11)} ${'min'.padStart(11)}`);
    for (const [label, s] of rows) console.log(`${label.padEnd(44)} ${String(s.n).padStart(3)} ${fmt(s.p50)} ${fmt(s.p90)} ${fmt(s.min)}`);
    for (const variant of ['spares', 'none'] as const) {
      for (const mode of ['database', 'schema'] as const) {
        console.log(`  in-process${variant === 'none' ? ', no spares,' : ''} ${mode} mode, median per step: ${Object.entries(perStep[variant]![mode]!).map(([step, v]) => `${step} ${stats(v).p50.toFixed(1)}`).join(', ')} (ms)`);
      }
    }
    const target = (ok: boolean) => (ok ? 'met' : 'NOT met');
    console.log('');
    for (const mode of ['database', 'schema'] as const) {
      const p50 = stats(inProcess.spares![mode]!).p50;
      const bare = stats(inProcess.none![mode]!).p50;
      console.log(`in-process p50, ${mode} mode: ${p50.toFixed(1)} ms (target <= 100 ms: ${target(p50 <= 100)}); without warm spares ${bare.toFixed(1)} ms (${bare <= 100 ? 'also within' : 'over'} 100 ms)`);
    }
    if (baseline.length) {
      const b = stats(baseline).p50;
      for (const mode of ['database', 'schema'] as const) {
        const ratio = b / stats(viaAgent[mode]!).p50;
        console.log(`CLI (default: local agent running), ${mode} mode vs baseline: ${ratio.toFixed(1)}x faster (target >= 4x: ${target(ratio >= 4)})`);
      }
      const npxRatio = b / stats(viaNpx).p50;
      console.log(`CLI through npx (local agent running), database mode vs baseline: ${npxRatio.toFixed(1)}x (npm adds ${(stats(viaNpx).p50 - stats(viaAgent.database!).p50).toFixed(0)} ms: use ./kryonix or npm link)`);
      for (const mode of ['database', 'schema'] as const) {
        const ratio = b / stats(cli[mode]!).p50;
        console.log(`CLI with KRYONIX_AGENT=off (every process runs the core), ${mode} mode vs baseline: ${ratio.toFixed(1)}x faster`);
      }
      for (const mode of ['database', 'schema'] as const) {
        const ratio = b / stats(viaApi[mode]!).p50;
        console.log(`CLI --api (control plane running), ${mode} mode vs baseline: ${ratio.toFixed(1)}x faster`);
      }
    } else console.log('baseline: ../shared/baseline not found, skipped');
  } finally {
    spawnSync(process.execPath, [projectPath('bin', 'kryonix.js'), 'agent', 'stop'], { env: { ...process.env, KRYONIX_HOME: home } });
    await stopEmbeddedPostgres(home);
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
