import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GATEWAY_ROLE, InvalidInput, tenantDatabaseName, tenantRoleName, tenantSchemaName } from '@kryonix/domain';
import { BackupTenantCommand, ChangeModulesCommand, RestoreTenantCommand, RunNextJobCommand } from '@kryonix/tenants';
import { BackedUpTenants, type TestCore, TestEnv, backedUpTenants, connectAsTenant, fill, httpsRequest, on, plannedReplaceNames } from '@kryonix/testing';
import { DataPlaneServer, startDataPlane } from './server';

/**
 * `restore --replace` on real PostgreSQL, in both modes: the tenant's rows become the
 * backup's while its id, role (password) and API key stay, so its apps keep working
 * through the data plane; the replaced copy is kept without access, then purged by its
 * job; failures before or inside the swap leave the tenant as it was; another tenant's
 * backup is refused.
 */
const MODULES = ['crm', 'fixture'];
const MODES = [['rr-db', 'database'], ['rr-sc', 'schema']] as const;
let made: BackedUpTenants;
let env: TestEnv;
let core: TestCore;
let server: DataPlaneServer;
let ca: string;
let modulesDir: string;
let outDir: string;
let keys: Record<string, string>;
let files: Record<string, string>;

beforeAll(async () => {
  made = await backedUpTenants('rr', MODULES, MODES.map(([id, mode]) => [id, mode, `Troca ${mode}`] as const));
  ({ env, core, ca, modulesDir, outDir, keys, files } = made);
  server = await startDataPlane({ env: made.dataPlaneEnv, port: 0 });
}, 300_000);
afterAll(async () => {
  await server?.close();
  await made?.cleanup();
});

const replace = (id: string, file = files[id]!, c: TestCore = core) => c.commands.execute(new RestoreTenantCommand({ file, replace: id }));

/** The tenant's crm.leads names, sorted, read as the admin. */
async function leadNames(id: string, mode: 'database' | 'schema', database = tenantDatabaseName(id, mode), schema = tenantSchemaName(id, mode, 'crm')): Promise<string[]> {
  return on(database, async (c) => (await c.query<{ nome: string }>(`SELECT nome FROM "${schema}".leads`)).rows.map((r) => r.nome).sort());
}

/** The tenant's crm.leads through the data plane with its API key: status and the names. */
async function viaDataPlane(id: string): Promise<{ status: number; names: string[] }> {
  const r = await httpsRequest({ port: server.port, host: `${id}.kryonix.test`, path: '/api/crm/leads?limit=100', headers: { authorization: `Bearer ${keys[id]}` }, ca });
  return { status: r.status, names: r.status === 200 ? (r.body.items as Array<{ nome: string }>).map((x) => x.nome).sort() : [] };
}

/** Polls until the data plane answers 200 with `names` (a database-mode swap ends the pool's sessions; the next ones reach the new database). */
async function eventually(id: string, names: string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last: { status: number; names: string[] } = { status: 0, names: [] };
  while (Date.now() < deadline) {
    last = await viaDataPlane(id);
    if (last.status === 200 && JSON.stringify(last.names) === JSON.stringify(names)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(last).toEqual({ status: 200, names });
}

/** Names a replace makes that are still on the server (an incoming copy left behind, a kept copy). */
async function replaceLeftovers(kind: 'incoming' | 'kept'): Promise<string[]> {
  const [db, schema] = kind === 'incoming' ? ['kryonix\\_replace\\_%', 'kxr\\_%'] : ['kryonix\\_replaced\\_%', 'kxk\\_%'];
  const dbs = await on('postgres', (c) => c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [db]));
  const schemas = await on('kryonix_tenants', (c) => c.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, [schema]));
  const own = await plannedReplaceNames(env.config.registryDatabase);
  return [...dbs.rows.map((r) => r.datname), ...schemas.rows.map((r) => r.nspname)].filter((name) => own.has(name));
}

async function registryRow(id: string): Promise<{ role_password_enc: string; modulos_contratados: string[]; status: string }> {
  return on(env.config.registryDatabase, async (c) => (await c.query(`SELECT role_password_enc, modulos_contratados, status FROM tenant_management.clientes WHERE id = $1`, [id])).rows[0]);
}

describe.each(MODES)('replace of %s (%s mode)', (id, mode) => {
  let backedUp: string[];
  let changed: string[];
  let kept: Record<string, unknown>;

  beforeAll(async () => {
    backedUp = await leadNames(id, mode);
    // the tenant changes after its backup: the rows a replace must bring back
    const leads = `"${tenantSchemaName(id, mode, 'crm')}".leads`;
    await on(tenantDatabaseName(id, mode), (c) => c.query(`UPDATE ${leads} SET nome = 'mudou ' || nome; INSERT INTO ${leads} (nome, interesse) VALUES ('depois do backup', 'x')`));
    changed = await leadNames(id, mode);
    expect(changed).not.toEqual(backedUp);
    await eventually(id, changed); // the data plane holds a pool on the tenant before the swap
  }, 120_000);

  it('a failure before the swap (replace_prepare) and one inside its transaction (replace_swap) leave the tenant as it was, nothing left', async () => {
    const before = await registryRow(id);
    for (const point of ['replace_prepare', 'replace_swap']) {
      const failing = await env.open({ KRYONIX_MODULES_DIR: modulesDir, KRYONIX_FAILPOINTS: `${point}=fail` });
      try {
        await expect(replace(id, files[id], failing)).rejects.toThrow(`failpoint: step ${point} forced to fail`);
      } finally {
        await failing.close();
      }
      expect(await leadNames(id, mode)).toEqual(changed);
      expect(await replaceLeftovers('incoming')).toEqual([]);
      expect(await replaceLeftovers('kept')).toEqual([]);
      expect(await registryRow(id)).toEqual(before);
      await eventually(id, changed);
    }
  }, 180_000);

  it("makes the rows the backup's: same id, role and password, the old API key works through the data plane", async () => {
    const before = await registryRow(id);
    const r = await replace(id);
    expect(r).toMatchObject({ id, mode, role: tenantRoleName(id), restoredFrom: { tenant: id } });
    expect(r.tables).toBeGreaterThan(2);
    expect(r.apiKey).toBeUndefined();
    kept = r.replaced!;
    expect(await leadNames(id, mode)).toEqual(backedUp);
    expect(await registryRow(id)).toEqual({ ...before, status: 'active' });
    await eventually(id, backedUp);
    // the role's password is the one it had: a direct connection with it reaches the new rows
    const client = await connectAsTenant(env, id, tenantDatabaseName(id, mode));
    try {
      const n = await client.query(`SELECT count(*)::int AS n FROM "${tenantSchemaName(id, mode, 'crm')}".leads`);
      expect(n.rows[0].n).toBe(backedUp.length);
    } finally {
      await client.end();
    }
  }, 180_000);

  it('keeps the replaced copy with the rows it had, without access for the role or the gateway', async () => {
    const role = tenantRoleName(id);
    if (mode === 'database') {
      const database = kept['database'] as string;
      expect(database).toMatch(/^kryonix_replaced_[0-9a-f]{8}$/);
      expect(await leadNames(id, mode, database, 'crm')).toEqual(changed);
      const rights = await on('postgres', (c) => c.query(`SELECT has_database_privilege($1, $2, 'CONNECT') AS tenant, has_database_privilege($3, $2, 'CONNECT') AS gateway`, [role, database, GATEWAY_ROLE]));
      expect(rights.rows[0]).toEqual({ tenant: false, gateway: false });
    } else {
      const schemas = kept['schemas'] as string[];
      const crm = schemas.find((s) => s.endsWith('_crm'))!;
      expect(crm).toMatch(/^kxk_[0-9a-f]{8}_crm$/);
      expect(await leadNames(id, mode, 'kryonix_tenants', crm)).toEqual(changed);
      const rights = await on('kryonix_tenants', (c) => c.query(`SELECT bool_or(has_schema_privilege($1, s, 'USAGE')) AS usage FROM unnest($2::text[]) s`, [role, schemas]));
      expect(rights.rows[0].usage).toBe(false);
    }
  });

  it('queues the purge of the replaced copy after KRYONIX_DELETE_GRACE (7d by default); once due, the job drops it', async () => {
    const job = await on(env.config.registryDatabase, async (c) => (await c.query(`SELECT id, extract(epoch FROM run_after - now())::int AS due_in FROM tenant_management.jobs WHERE kind = 'purge_replaced_copy' AND tenant_id = $1 AND status = 'queued'`, [id])).rows);
    expect(job).toHaveLength(1);
    expect(job[0].due_in).toBeGreaterThan(6 * 86_400);
    expect(await core.commands.execute(new RunNextJobCommand('w', 60_000, 5_000))).toBeUndefined(); // not due yet
    await on(env.config.registryDatabase, (c) => c.query(`UPDATE tenant_management.jobs SET run_after = now() WHERE id = $1`, [job[0].id]));
    const ran = await core.commands.execute(new RunNextJobCommand('w', 60_000, 5_000));
    expect(ran).toMatchObject({ kind: 'purge_replaced_copy', status: 'succeeded' });
    expect(await replaceLeftovers('kept')).toEqual([]);
    await eventually(id, backedUp);
  }, 120_000);
});

it("refuses another tenant's backup over a tenant (it would keep this tenant's keys), naming --as; nothing changes", async () => {
  const before = await leadNames('rr-db', 'database');
  const refused = replace('rr-db', files['rr-sc']);
  await expect(refused).rejects.toThrow(InvalidInput);
  await expect(replace('rr-db', files['rr-sc'])).rejects.toThrow('--as <new-id>');
  expect(await leadNames('rr-db', 'database')).toEqual(before);
  expect(await replaceLeftovers('incoming')).toEqual([]);
});

it('refuses --mode other than the tenant\'s, and --as with --replace', async () => {
  await expect(core.commands.execute(new RestoreTenantCommand({ file: files['rr-db']!, replace: 'rr-db', mode: 'schema' }))).rejects.toThrow("keeps the tenant's mode");
  await expect(core.commands.execute(new RestoreTenantCommand({ file: files['rr-db']!, replace: 'rr-db', as: 'rr-other' }))).rejects.toThrow('--as and --replace');
});

it("takes the backup's modules, then runs the migrations newer than the backup (ledger and columns)", async () => {
  // after its backup the tenant bought whatsapp, and the fixture module gained a version
  await core.commands.execute(new ChangeModulesCommand('rr-db', [...MODULES, 'whatsapp'], false));
  expect((await registryRow('rr-db')).modulos_contratados).toContain('whatsapp');
  writeFileSync(join(modulesDir, 'fixture', '0002_nota.sql.hbs'), `ALTER TABLE {{schema}}.amostras ADD COLUMN nota TEXT DEFAULT 'nova';\n`);
  await new Promise((r) => setTimeout(r, 600)); // the catalog looks at its folder every 500 ms
  const r = await replace('rr-db'); // the backup of before: crm and fixture at version 1
  expect(r.restoredFrom.modules).toEqual({ crm: 2, fixture: 1 });
  expect([...r.modules].sort()).toEqual([...MODULES].sort());
  expect([...(await registryRow('rr-db')).modulos_contratados].sort()).toEqual([...MODULES].sort());
  const ledger = await on(env.config.registryDatabase, (c) => c.query(`SELECT module, version FROM tenant_management.tenant_module_migrations WHERE cliente_id = 'rr-db' ORDER BY 1, 2`));
  expect(ledger.rows).toEqual([{ module: 'crm', version: 1 }, { module: 'crm', version: 2 }, { module: 'fixture', version: 1 }, { module: 'fixture', version: 2 }]);
  const notes = await on(tenantDatabaseName('rr-db', 'database'), (c) => c.query(`SELECT DISTINCT nota FROM fixture.amostras`));
  expect(notes.rows).toEqual([{ nota: 'nova' }]);
  const whatsapp = await on(tenantDatabaseName('rr-db', 'database'), (c) => c.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'whatsapp'`));
  expect(whatsapp.rowCount).toBe(0);
}, 180_000);

it('restores over a damaged tenant whose database is gone: the backup takes its names, its key works again', async () => {
  keys['rr-dmg'] = (await core.provisioner.create({ id: 'rr-dmg', name: 'Danificado', modules: MODULES, mode: 'database', server: 'default' })).apiKey!;
  await fill('rr-dmg', 'database', MODULES);
  const backedUp = await leadNames('rr-dmg', 'database');
  const file = (await core.commands.execute(new BackupTenantCommand({ id: 'rr-dmg', out: join(outDir, 'rr-dmg.kxbackup') }))).file;
  await on('postgres', (c) => c.query(`DROP DATABASE ${tenantDatabaseName('rr-dmg', 'database')} WITH (FORCE)`));
  expect((await viaDataPlane('rr-dmg')).status).not.toBe(200);
  await replace('rr-dmg', file);
  expect(await leadNames('rr-dmg', 'database')).toEqual(backedUp);
  await eventually('rr-dmg', backedUp);
}, 180_000);

it('schema mode: a module bought after the backup goes with the replaced copy (its schema renamed, no access)', async () => {
  await core.commands.execute(new ChangeModulesCommand('rr-sc', [...MODULES, 'whatsapp'], false));
  const r = await replace('rr-sc');
  expect([...r.modules].sort()).toEqual([...MODULES].sort());
  const kept = (r.replaced!['schemas'] as string[]).find((s) => s.endsWith('_whatsapp'))!;
  const present = await on('kryonix_tenants', (c) => c.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname = ANY($1) ORDER BY 1`, [['rr_sc_whatsapp', kept]]));
  expect(present.rows.map((x) => x.nspname)).toEqual([kept]);
  const usage = await on('kryonix_tenants', (c) => c.query(`SELECT has_schema_privilege($1, $2, 'USAGE') AS usage`, [tenantRoleName('rr-sc'), kept]));
  expect(usage.rows[0].usage).toBe(false);
  await eventually('rr-sc', await leadNames('rr-sc', 'schema'));
}, 180_000);
