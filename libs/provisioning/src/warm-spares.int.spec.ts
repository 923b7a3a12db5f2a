import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPath } from '@kryonix/platform';
import { connectAsTenant, createTestEnv, tableCounts, TestEnv, tenantFootprint, withAdmin, type TestCore } from '@kryonix/testing';
import { StepEvent } from './plan';
import { spareSet } from './warm-spares';

/**
 * Warm spare databases (database mode). The modules are a private copy with a changed
 * comment, so this file's template — and its spares — are its own on the shared server.
 */
const modulesDir = mkdtempSync(join(tmpdir(), 'kx-spare-modules-'));
const MODULES = ['crm', 'whatsapp'];
let env: TestEnv;
let rt: TestCore;

beforeAll(async () => {
  cpSync(projectPath('sql', 'modules'), modulesDir, { recursive: true });
  appendFileSync(join(modulesDir, 'crm', '0001_init.sql.hbs'), `\n-- warm spares test ${randomBytes(4).toString('hex')}\n`);
  env = await createTestEnv('spares');
  rt = await env.open({ KRYONIX_MODULES_DIR: modulesDir }, { warmDatabases: 2 });
});
afterAll(async () => {
  await env.cleanup(); // closes the runtimes, which first wait for spares being made
  rmSync(modulesDir, { recursive: true, force: true });
});

let template = '';
const spares = async (): Promise<string[]> =>
  withAdmin(async (c) => (await c.query(`SELECT datname FROM pg_database WHERE left(datname, $2) = $1 ORDER BY 1`, [`kryonix_spare_${template.slice('kryonix_tpl_'.length)}_`, 'kryonix_spare_'.length + 17])).rows.map((r) => r.datname as string));

/** Creates a tenant; returns the details its claiming step logged (create_database, or create_role in schema mode). */
async function create(runtime: TestCore, id: string, mode: 'database' | 'schema' = 'database'): Promise<Record<string, unknown>> {
  const step = mode === 'database' ? 'create_database' : 'create_role';
  let details: Record<string, unknown> = {};
  await runtime.provisioner.create({ id, name: id, modules: MODULES, mode }, { onStep: (e: StepEvent) => void (e.step === step && e.status === 'sucesso' && (details = e.details ?? {})) });
  return details;
}

const opts = () => ({ registryDatabase: env.config.registryDatabase, outputDir: env.config.outputDir });

describe('warm spare databases (database mode)', () => {
  it('the first create clones the template and leaves spares; the next one renames a spare: same tables, same isolation', async () => {
    const first = await create(rt, 'sp-one');
    template = String(first.template);
    expect(template).toMatch(/^kryonix_tpl_[0-9a-f]{16}$/);
    expect(first.spare).toBeUndefined();
    await rt.provisioner.drain();
    const before = await spares();
    expect(before).toHaveLength(2);

    const second = await create(rt, 'sp-two');
    expect(before).toContain(second.spare);
    expect(await spares()).not.toContain(second.spare);
    expect((await tenantFootprint('sp-two', opts())).databases).toEqual(['kryonix_cliente_sp_two']);
    expect(await tableCounts('kryonix_cliente_sp_two', MODULES)).toEqual(await tableCounts('kryonix_cliente_sp_one', MODULES));

    // its own role works there; another tenant's role cannot even connect
    const own = await connectAsTenant(env, 'sp-two', 'kryonix_cliente_sp_two');
    try {
      expect((await own.query('SELECT count(*)::int AS n FROM crm.leads')).rows[0].n).toBe(0);
    } finally {
      await own.end();
    }
    await expect(connectAsTenant(env, 'sp-one', 'kryonix_cliente_sp_two')).rejects.toMatchObject({ code: '42501' });

    await rt.provisioner.drain();
    expect(await spares()).toHaveLength(2);
  });

  it('a create that fails after claiming a spare leaves nothing behind', async () => {
    const failing = await env.open({ KRYONIX_MODULES_DIR: modulesDir, KRYONIX_FAILPOINTS: 'grant_access=fail' });
    const available = await spares();
    await expect(failing.provisioner.create({ id: 'sp-fail', name: 'Fail', modules: MODULES, mode: 'database' })).rejects.toThrow(/grant_access/);
    const footprint = await tenantFootprint('sp-fail', opts());
    expect(footprint.databases).toEqual([]);
    expect(footprint.roles).toEqual([]);
    expect((await spares()).length).toBe(available.length - 1); // the claimed spare was the database undone
  });

  it('concurrent creates share the spares: each gets a database of its own, the rest are cloned', async () => {
    await create(rt, 'sp-warm');
    await rt.provisioner.drain();
    const ids = ['sp-c1', 'sp-c2', 'sp-c3', 'sp-c4', 'sp-c5'];
    const results = await Promise.all(ids.map((id) => create(rt, id)));
    const used = results.map((r) => r.spare).filter(Boolean);
    expect(used.length).toBeGreaterThanOrEqual(1);
    expect(used.length).toBeLessThanOrEqual(2);
    expect(new Set(used).size).toBe(used.length);
    for (const id of ids) expect((await tenantFootprint(id, opts())).databases).toEqual([`kryonix_cliente_${id.replace('-', '_')}`]);
    await rt.provisioner.drain();
    expect(await spares()).toHaveLength(2);
  });
});

describe('warm spares in schema mode (a role and its schemas, renamed)', () => {
  const spareRoles = async (): Promise<string[]> =>
    withAdmin(async (c) => (await c.query(`SELECT rolname FROM pg_roles WHERE left(rolname, 21) = $1 ORDER BY 1`, [`kxs_${template.slice('kryonix_tpl_'.length)}_`])).rows.map((r) => r.rolname as string));
  const schemaCounts = async (id: string) => Object.values(await tableCounts('kryonix_tenants', MODULES.map((m) => `${id.replace('-', '_')}_${m}`)));

  it('the next schema-mode create takes a spare: its schemas, tables, privileges and login as a create makes them', async () => {
    expect(template).not.toBe(''); // the database-mode tests ran first
    expect((await create(rt, 'sp-s1', 'schema')).spare).toBeUndefined();
    await rt.provisioner.drain();
    const before = await spareRoles();
    expect(before).toHaveLength(2);

    const claimed = await create(rt, 'sp-s2', 'schema');
    expect(before).toContain(claimed.spare);
    expect(await spareRoles()).not.toContain(claimed.spare);
    const footprint = await tenantFootprint('sp-s2', opts());
    expect(footprint.roles).toEqual(['cliente_sp_s2_user']);
    expect(footprint.schemas.sort()).toEqual(['sp_s2_crm', 'sp_s2_whatsapp']);
    expect(await schemaCounts('sp-s2')).toEqual(await schemaCounts('sp-s1'));
    const role = await withAdmin(async (c) => (await c.query(`SELECT rolcanlogin, rolinherit FROM pg_roles WHERE rolname = 'cliente_sp_s2_user'`)).rows[0]);
    expect(role).toEqual({ rolcanlogin: true, rolinherit: false });

    const own = await connectAsTenant(env, 'sp-s2', 'kryonix_tenants');
    try {
      await own.query(`INSERT INTO sp_s2_crm.leads (nome, email) VALUES ('Ana', 'ana@example.com')`);
      expect((await own.query('SELECT nome FROM sp_s2_crm.leads')).rows).toEqual([{ nome: 'Ana' }]);
      await expect(own.query('SELECT * FROM sp_s1_crm.leads')).rejects.toMatchObject({ code: '42501' });
      // no spare left to read either
      for (const spare of await spareRoles()) await expect(own.query(`SELECT * FROM "${spare}_crm".leads`)).rejects.toMatchObject({ code: '42501' });
      // the session timeouts set on the spare's role came with it (defaults 30 s, 10 s, 60 s)
      const { rows } = await own.query(`SELECT current_setting('statement_timeout') AS s, current_setting('lock_timeout') AS l, current_setting('idle_in_transaction_session_timeout') AS i`);
      expect(rows[0]).toEqual({ s: '30s', l: '10s', i: '1min' });
    } finally {
      await own.end();
    }
    await rt.provisioner.drain();
    expect(await spareRoles()).toHaveLength(2);
  });

  it.each(['create_role', 'create_schemas', 'grant_access'])('a schema-mode create failing at %s after taking a spare leaves nothing behind', async (step) => {
    const failing = await env.open({ KRYONIX_MODULES_DIR: modulesDir, KRYONIX_FAILPOINTS: `${step}=fail` });
    const available = await spareRoles();
    expect(available.length).toBeGreaterThan(0);
    const id = `sp-f-${step.replace('_', '')}`.slice(0, 20);
    await expect(failing.provisioner.create({ id, name: 'Fail', modules: MODULES, mode: 'schema' })).rejects.toThrow(new RegExp(step));
    const footprint = await tenantFootprint(id, opts());
    expect(footprint).toMatchObject({ roles: [], schemas: [], registry: { clientes: 0, tenant_module_migrations: 0, api_keys: 0 }, files: false });
    expect((await spareRoles()).length).toBe(available.length - 1);
    await rt.provisioner.create({ id: `sp-r-${step.length}`, name: 'Refill', modules: MODULES, mode: 'schema' });
    await rt.provisioner.drain();
  });
});

describe('spares of older module versions', () => {
  it('are dropped once a create of the same set and modules folder finds newer versions; spares of other folders are left alone', async () => {
    const set = spareSet(rt.catalog.resolve(MODULES), rt.config.modulesDir);
    const other = spareSet(rt.catalog.resolve(MODULES), '/some/other/modules');
    const old = '0000000000000000';
    const staleDb = `kryonix_spare_${old}_${set.setId}_deadbeef`;
    const foreignDb = `kryonix_spare_${old}_${other.setId}_deadbeef`;
    const staleRole = `kxs_${old}_${set.setId}_deadbeef`;
    await withAdmin(async (c) => {
      for (const db of [staleDb, foreignDb]) await c.query(`CREATE DATABASE "${db}"`);
      await c.query(`CREATE ROLE "${staleRole}" NOLOGIN`);
    });
    await withAdmin(async (c) => {
      await c.query(`CREATE SCHEMA "${staleRole}_crm"`);
      await c.query(`CREATE TABLE "${staleRole}_crm".leads (id int)`);
      await c.query(`GRANT USAGE ON SCHEMA "${staleRole}_crm" TO "${staleRole}"`);
    }, 'kryonix_tenants');

    const fresh = await env.open({ KRYONIX_MODULES_DIR: modulesDir }, { warmDatabases: 1 });
    await create(fresh, 'sp-sweep-db');
    await create(fresh, 'sp-sweep-sc', 'schema');
    await fresh.provisioner.drain();

    const left = await withAdmin(async (c) => ({
      databases: (await c.query(`SELECT datname FROM pg_database WHERE datname = ANY($1::text[])`, [[staleDb, foreignDb]])).rows.map((r) => r.datname),
      roles: (await c.query(`SELECT rolname FROM pg_roles WHERE rolname = $1`, [staleRole])).rows.length,
    }));
    expect(left).toEqual({ databases: [foreignDb], roles: 0 });
    const schemas = await withAdmin(async (c) => (await c.query(`SELECT nspname FROM pg_namespace WHERE nspname = $1`, [`${staleRole}_crm`])).rows.length, 'kryonix_tenants');
    expect(schemas).toBe(0);
    await withAdmin((c) => c.query(`DROP DATABASE "${foreignDb}"`));
  });
});
