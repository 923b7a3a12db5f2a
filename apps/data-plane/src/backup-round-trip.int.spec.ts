import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSelfSignedCertificate } from '@kryonix/platform';
import { BackupTenantCommand, RestoreTenantCommand } from '@kryonix/tenants';
import { type TestCore, TestEnv, createTestEnv, fill, httpsRequest, modulesWithFixture } from '@kryonix/testing';
import { DataPlaneServer, startDataPlane } from './server';

/**
 * The round trip as a tenant's apps see it: a tenant with rows of every type in every
 * table (the fixture module's arrays too) is backed up and restored under a new id, in
 * each mode, and the restored tenant answers every table's list through the data plane
 * with the same rows as the source.
 */
const MODULES = ['crm', 'whatsapp', 'agendamento', 'financeiro', 'fixture'];
let env: TestEnv;
let core: TestCore;
let server: DataPlaneServer;
let ca: string;
let modulesDir: string;
let outDir: string;
const keys: Record<string, string> = {};

beforeAll(async () => {
  modulesDir = modulesWithFixture('rt');
  outDir = mkdtempSync(join(tmpdir(), 'kryonix-rt-out-'));
  env = await createTestEnv('rt');
  const modules = { KRYONIX_MODULES_DIR: modulesDir };
  core = await env.open(modules);
  for (const [id, mode] of [['brt-db', 'database'], ['brt-sc', 'schema']] as const) {
    keys[id] = (await core.provisioner.create({ id, name: `Ida e volta ${mode}`, modules: MODULES, mode, server: 'default' })).apiKey!;
    await fill(id, mode, MODULES);
    const file = (await core.commands.execute(new BackupTenantCommand({ id, out: join(outDir, `${id}.kxbackup`) }))).file;
    keys[`${id}-copy`] = (await core.commands.execute(new RestoreTenantCommand({ file, as: `${id}-copy`, server: 'default' }))).apiKey!;
  }
  const tls = await ensureSelfSignedCertificate(join(env.home, 'tls'), 'kryonix.test');
  ca = readFileSync(tls.cert, 'utf8');
  server = await startDataPlane({ env: { ...env.env, ...modules, KRYONIX_TLS_CERT: tls.cert, KRYONIX_TLS_KEY: tls.key, KRYONIX_LOG_LEVEL: 'silent' }, port: 0 });
}, 300_000);
afterAll(async () => {
  await server?.close();
  await core?.close();
  await env?.cleanup();
  rmSync(modulesDir, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
});

/** Every row of a table through the data plane, page after page. */
async function list(tenant: string, module: string, table: string): Promise<unknown[]> {
  const rows: unknown[] = [];
  let cursor: string | null = null;
  do {
    const r = await httpsRequest({ port: server.port, host: `${tenant}.kryonix.test`, path: `/api/${module}/${table}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, headers: { authorization: `Bearer ${keys[tenant]}` }, ca });
    if (r.status !== 200) throw new Error(`${tenant} ${module}.${table}: ${r.status} ${JSON.stringify(r.body)}`);
    rows.push(...r.body.items);
    cursor = r.body.nextCursor;
  } while (cursor);
  return rows;
}

it.each(['brt-db', 'brt-sc'])('a restored copy of %s answers every table with the same rows as the source through the data plane', async (id) => {
  const tables = core.catalog.resolve(MODULES).flatMap((m) => Object.keys(m.tables).map((t) => [m.name, t] as const));
  expect(tables.length).toBeGreaterThanOrEqual(20);
  for (const [module, table] of tables) {
    const [source, copy] = [await list(id, module, table), await list(`${id}-copy`, module, table)];
    expect(source.length).toBeGreaterThanOrEqual(12);
    expect({ table: `${module}.${table}`, rows: copy }).toEqual({ table: `${module}.${table}`, rows: source });
  }
}, 180_000);
