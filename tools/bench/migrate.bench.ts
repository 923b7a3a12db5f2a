/**
 * Fleet migration benchmark: N schema-mode tenants (default 10,000) with the crm
 * module, made by a fast seeding path (batched SQL, not the provisioner), then:
 *   - a no-op `kryonix migrate` (in-process and whole CLI process): target ≤ 1 s;
 *   - a one-statement migration (crm 0003) over all of them: target ≤ 60 s.
 * Usage: npm run bench:migrate [-- --tenants 10000 --concurrency 8]
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { quoteIdent, tenantRoleName, tenantSchemaName } from '@kryonix/domain';
import { ensureEmbeddedPostgres, loadConfig, scramSha256Verifier, stopEmbeddedPostgres } from '@kryonix/platform';
import { projectPath } from '@kryonix/platform';
import { freePort, openTestCore } from '@kryonix/testing';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const TENANTS = arg('tenants', 10_000);
const CONCURRENCY = arg('concurrency', 8);
const BATCH = 250;

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'kryonix-migbench-'));
  chmodSync(home, 0o755);
  const modulesDir = join(home, 'modules');
  cpSync(projectPath('sql', 'modules'), modulesDir, { recursive: true });
  const server = await ensureEmbeddedPostgres(home, await freePort());
  const env = { KRYONIX_DATABASE_URL: server.url, KRYONIX_HOME: home, KRYONIX_MODULES_DIR: modulesDir };
  try {
    const runtime = await openTestCore(loadConfig(env, 'control-plane'), {});
    const crm = runtime.catalog.get('crm');
    // a schema-mode tenant first, through the provisioner: creates kryonix_tenants and checks the seeding matches
    await runtime.provisioner.create({ id: 'seed-reference', name: 'Reference', modules: 'crm', mode: 'schema' });
    const tenants = new Client({ connectionString: server.url.replace(/\/postgres$/, '/kryonix_tenants') });
    const registry = new Client({ connectionString: server.url.replace(/\/postgres$/, '/kryonix_core') });
    await Promise.all([tenants.connect(), registry.connect()]);
    const seedStarted = performance.now();
    const verifier = scramSha256Verifier('bench-not-a-real-password');
    for (let start = 0; start < TENANTS; start += BATCH) {
      const ids = Array.from({ length: Math.min(BATCH, TENANTS - start) }, (_, i) => `t${String(start + i).padStart(5, '0')}`);
      const ddl: string[] = ['BEGIN'];
      for (const id of ids) {
        const schema = tenantSchemaName(id, 'schema', 'crm');
        const role = quoteIdent(tenantRoleName(id));
        ddl.push(
          `CREATE ROLE ${role} LOGIN NOINHERIT PASSWORD '${verifier}'`,
          `GRANT ${role} TO kryonix_gateway`,
          `CREATE SCHEMA ${quoteIdent(schema)}`,
          crm.migrations[0]!.render(schema),
          `COMMENT ON SCHEMA ${quoteIdent(schema)} IS 'kryonix:crm@1'`,
          `GRANT USAGE ON SCHEMA ${quoteIdent(schema)} TO ${role}`,
          `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${quoteIdent(schema)} TO ${role}`,
        );
      }
      ddl.push('COMMIT');
      await tenants.query(ddl.join(';\n'));
      await registry.query(
        `INSERT INTO tenant_management.clientes (id, nome, database_name, subdomain, modulos_contratados, isolation_mode, status, role_name)
         SELECT id, id, 'kryonix_tenants', id, '["crm"]', 'schema', 'active', 'cliente_' || id || '_user' FROM unnest($1::text[]) AS id`,
        [ids],
      );
      await registry.query(
        `INSERT INTO tenant_management.tenant_module_migrations (cliente_id, module, version, name, checksum) SELECT id, 'crm', 1, $2, $3 FROM unnest($1::text[]) AS id`,
        [ids, crm.migrations[0]!.name, crm.migrations[0]!.checksum],
      );
      if ((start / BATCH) % 8 === 0) process.stderr.write(`  seeded ${start + ids.length}/${TENANTS}\r`);
    }
    await Promise.all([tenants.end(), registry.end()]);
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    console.log(`Seeded ${TENANTS} schema-mode tenants (crm v1) in ${seedSeconds.toFixed(0)} s.`);

    // no-op: everyone is at the target
    const noopStarted = performance.now();
    const noop = await runtime.migrator.migrate({});
    const noopMs = performance.now() - noopStarted;
    const cliStarted = performance.now();
    const cli = spawnSync(process.execPath, [projectPath('bin', 'kryonix.js'), 'migrate', '--json'], { env: { ...process.env, ...env }, encoding: 'utf8' });
    const cliMs = performance.now() - cliStarted;
    if (cli.status !== 0) throw new Error(`kryonix migrate failed: ${cli.stderr}`);
    await runtime.close();

    // a one-statement migration over all of them
    writeFileSync(join(modulesDir, 'crm', '0003_bench_column.sql.hbs'), 'ALTER TABLE {{schema}}.leads ADD COLUMN bench_flag boolean;\n');
    const v2 = await openTestCore(loadConfig(env, 'control-plane'), {});
    const runStarted = performance.now();
    const report = await v2.migrator.migrate({ concurrency: CONCURRENCY });
    const runMs = performance.now() - runStarted;
    await v2.close();

    const total = TENANTS + 1;
    console.log(`\nFleet migration, ${total} schema-mode tenants, PostgreSQL embedded on loopback, 2 cores, concurrency ${CONCURRENCY}:\n`);
    console.log(`no-op migrate, in-process:            ${noopMs.toFixed(0).padStart(7)} ms  (${noop.upToDate} up to date, ${noop.planned.length} planned; target <= 1000 ms: ${noopMs <= 1000 ? 'met' : 'NOT met'})`);
    console.log(`no-op kryonix migrate, whole process: ${cliMs.toFixed(0).padStart(7)} ms  (target <= 1000 ms: ${cliMs <= 1000 ? 'met' : 'NOT met'})`);
    console.log(`one-statement migration (crm 0003):   ${(runMs / 1000).toFixed(1).padStart(7)} s   ${(report.migrated.length / (runMs / 1000)).toFixed(0)} tenants/s, migrated ${report.migrated.length}, failed ${report.failed.length} (target <= 60 s: ${runMs <= 60_000 ? 'met' : 'NOT met'})`);
  } finally {
    await stopEmbeddedPostgres(home);
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
