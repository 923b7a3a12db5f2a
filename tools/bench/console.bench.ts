/**
 * Console benchmark: every console page rendered by the control plane (its own process,
 * `dist/control-plane.js`, plain HTTP on loopback) with N tenants in the registry (default 10,000, inserted in bulk
 * with SQL: registry rows only, no tenant databases, so a page's usage gauges read empty
 * catalogs). Prints per page the server's time to answer (p50, p95, max over the runs)
 * against the 100 ms target, and the ratio p50 / target.
 * Usage: npm run bench:console [-- --tenants 10000 --runs 30 --only fleet]
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { ensureEmbeddedPostgres, loadConfig, stopEmbeddedPostgres } from '@kryonix/platform';
import { consoleSession, freePort, spawnControlPlane } from '@kryonix/testing';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const TENANTS = arg('tenants', 10_000);
const RUNS = arg('runs', 30);
const TARGET_MS = 100;
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const TOKEN = randomBytes(24).toString('hex');

/** Registry rows of N tenants in one statement each: tenants, their module ledger (crm at version 1: behind), logs, audit. */
async function seed(registry: Client): Promise<void> {
  await registry.query(
    `INSERT INTO tenant_management.clientes (id, nome, database_name, subdomain, modulos_contratados, isolation_mode, status, role_name, created_at)
     SELECT 't' || lpad(n::text, 5, '0'), 'Empresa ' || n || CASE WHEN n % 7 = 0 THEN ' Imóveis' ELSE ' Ltda' END,
            'kryonix_cliente_t' || lpad(n::text, 5, '0'), 't' || lpad(n::text, 5, '0'),
            CASE WHEN n % 3 = 0 THEN '["crm", "whatsapp"]'::jsonb WHEN n % 3 = 1 THEN '["crm"]'::jsonb ELSE '["financeiro", "agendamento"]'::jsonb END,
            'database', CASE WHEN n % 20 = 0 THEN 'suspended' ELSE 'active' END,
            'cliente_t' || lpad(n::text, 5, '0') || '_user', now() - make_interval(mins => n)
     FROM generate_series(0, $1 - 1) AS n`,
    [TENANTS],
  );
  await registry.query(
    `INSERT INTO tenant_management.tenant_module_migrations (cliente_id, module, version, name, checksum, duration_ms)
     SELECT c.id, m.module, 1, '0001_init', 'bench', 12.5 FROM tenant_management.clientes c CROSS JOIN LATERAL jsonb_array_elements_text(c.modulos_contratados) AS m(module)`,
  );
  await registry.query(
    `INSERT INTO tenant_management.logs_auto_creation (cliente_id, acao, status, duracao_ms)
     SELECT c.id, s.step, 'sucesso', 10 + random() * 300 FROM tenant_management.clientes c
     CROSS JOIN unnest(ARRAY['register', 'create_role', 'create_database', 'grant_access', 'record_modules', 'issue_api_key', 'write_files', 'activate']) AS s(step)`,
  );
  await registry.query(
    `INSERT INTO tenant_management.audit_log (actor, action, door, target, outcome, status_code, details)
     SELECT 'operator', 'tenant.suspend', 'http', 't' || lpad((n % $1)::text, 5, '0'), 'success', 200, '{}'::jsonb FROM generate_series(1, $1 * 3) AS n`,
    [TENANTS],
  );
  await registry.query('ANALYZE');
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'kryonix-consolebench-'));
  chmodSync(home, 0o755);
  const pg = await ensureEmbeddedPostgres(home, await freePort());
  const env = { KRYONIX_DATABASE_URL: pg.url, KRYONIX_HOME: home, KRYONIX_OPERATOR_TOKEN: TOKEN, KRYONIX_MASTER_KEY: randomBytes(32).toString('hex'), KRYONIX_LOG_LEVEL: 'silent', KRYONIX_WORKER_INTERVAL_MS: '0', KRYONIX_METRICS_INTERVAL_MS: '0', KRYONIX_JOB_POLL_MS: '0', KRYONIX_WARM_DATABASES: '0' };
  const config = loadConfig(env, 'control-plane');
  const server = await spawnControlPlane(env);
  try {
    const registry = new Client({ connectionString: pg.url.replace(/\/postgres$/, `/${config.registryDatabase}`) });
    await registry.connect();
    const seeded = performance.now();
    await seed(registry);
    await registry.end();
    console.log(`seeded ${TENANTS} tenants in the registry in ${Math.round(performance.now() - seeded)} ms`);
    const { cookie } = await consoleSession(server.url, TOKEN);
    const middle = `t${String(Math.floor(TENANTS / 2)).padStart(5, '0')}`;
    const pages: Array<[string, string]> = [
      ['sign-in', '/console/sign-in'],
      ['tenants (first page)', '/console/tenants'],
      ['tenants (a page deep in)', `/console/tenants?after=${middle}`],
      ['tenants (search by name)', '/console/tenants?q=Imóveis'],
      ['tenants (status + module)', '/console/tenants?status=suspended&module=whatsapp'],
      ['tenant', `/console/tenants/${middle}`],
      ['confirm: change modules', `/console/tenants/${middle}/modules`],
      ['new tenant', '/console/tenants/new'],
      ['fleet', '/console/fleet'],
    ];
    console.log(`\n${'page'.padEnd(28)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'max ms'.padStart(8)}  p50/target (${TARGET_MS} ms)`);
    let worst = 0;
    for (const [name, path] of pages.filter(([page]) => !ONLY || page.includes(ONLY))) {
      const times: number[] = [];
      for (let i = 0; i < RUNS + 3; i++) {
        const started = performance.now();
        const res = await fetch(`${server.url}${path}`, { headers: { cookie: name === 'sign-in' ? '' : cookie } });
        const body = await res.text();
        const ms = performance.now() - started;
        if (res.status !== 200 || !body.includes('</html>')) throw new Error(`${path} answered ${res.status}`);
        if (i >= 3) times.push(ms); // the first runs warm caches and the JIT
      }
      times.sort((a, b) => a - b);
      const p50 = percentile(times, 50);
      worst = Math.max(worst, p50);
      console.log(`${name.padEnd(28)} ${p50.toFixed(1).padStart(8)} ${percentile(times, 95).toFixed(1).padStart(8)} ${times[times.length - 1]!.toFixed(1).padStart(8)}  ${(p50 / TARGET_MS).toFixed(2)}`);
    }
    console.log(`\nslowest page p50 ${worst.toFixed(1)} ms: ${worst <= TARGET_MS ? 'within' : 'OVER'} the ${TARGET_MS} ms target (${TENANTS} tenants, ${RUNS} runs per page)`);
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((resolve) => server.child.once('exit', resolve));
    await stopEmbeddedPostgres(home).catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
