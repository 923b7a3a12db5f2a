import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KryonixError } from '@kryonix/domain';
import { projectPath } from '@kryonix/platform';
import { connectAsTenant, createTestEnv, TestEnv, withAdmin, type TestCore } from '@kryonix/testing';

const modulesDir = mkdtempSync(join(tmpdir(), 'kx-fleet-modules-'));
let env: TestEnv;
let v1: TestCore;
const IDS = ['fm-a-db', 'fm-b-sc', 'fm-bad', 'fm-c-db', 'fm-d-sc'];

beforeAll(async () => {
  cpSync(projectPath('sql', 'modules'), modulesDir, { recursive: true });
  env = await createTestEnv('fleet');
  v1 = await env.open({ KRYONIX_MODULES_DIR: modulesDir });
  for (const id of IDS) await v1.provisioner.create({ id, name: id, modules: ['crm', 'whatsapp'], mode: id.endsWith('-db') ? 'database' : 'schema' });
  // one tenant's data will break the next crm version
  await withAdmin((c) => c.query(`INSERT INTO fm_bad_crm.leads (nome, email) VALUES ('a', 'same@x.com'), ('b', 'same@x.com')`), 'kryonix_tenants');
  writeFileSync(join(modulesDir, 'crm', '0003_email_unique.sql.hbs'), `ALTER TABLE {{schema}}.leads ADD COLUMN canal_preferido varchar(20);\nALTER TABLE {{schema}}.leads ADD CONSTRAINT leads_email_unique UNIQUE (email);\n`);
});
afterAll(async () => {
  await env.cleanup();
  rmSync(modulesDir, { recursive: true, force: true });
});

const v2 = () => env.open({ KRYONIX_MODULES_DIR: modulesDir });
const ledger = (id: string) =>
  withAdmin(async (c) => (await c.query(`SELECT module, max(version)::int AS v FROM tenant_management.tenant_module_migrations WHERE cliente_id = $1 GROUP BY 1 ORDER BY 1`, [id])).rows, env.config.registryDatabase);
const hasColumn = (id: string) => {
  const db = id.endsWith('-db') ? `kryonix_cliente_${id.replace(/-/g, '_')}` : 'kryonix_tenants';
  const schema = id.endsWith('-db') ? 'crm' : `${id.replace(/-/g, '_')}_crm`;
  return withAdmin(async (c) => (await c.query(`SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'leads' AND column_name = 'canal_preferido'`, [schema])).rowCount === 1, db);
};

describe('kryonix migrate', () => {
  it('a module version is its highest migration file', async () => {
    const rt = await v2();
    expect(rt.catalog.get('crm').version).toBe(3);
    expect(rt.catalog.get('whatsapp').version).toBe(2);
  });

  it('--dry-run plans from the ledger and changes nothing', async () => {
    const report = await (await v2()).migrator.migrate({ dryRun: true });
    expect(report).toMatchObject({ selected: 5, upToDate: 0, dryRun: true, migrated: [] });
    expect(report.planned.map((p) => p.tenant)).toEqual(IDS);
    expect(report.planned[0]!.steps).toEqual([{ module: 'crm', from: 2, to: 3 }]);
    expect(await hasColumn('fm-a-db')).toBe(false);
  });

  it('stops at the first failure; the failed tenant is untouched (all or nothing per tenant)', async () => {
    const report = await (await v2()).migrator.migrate({ concurrency: 1 });
    expect(report.migrated).toEqual(['fm-a-db', 'fm-b-sc']);
    expect(report.failed).toEqual([{ tenant: 'fm-bad', error: expect.stringContaining('leads_email_unique') }]);
    // the error names the module, the version and the file whose SQL failed
    expect(report.failed[0]!.error).toContain(`crm migration 0003 (${join(modulesDir, 'crm', '0003_email_unique.sql.hbs')}): `);
    expect(report.notAttempted).toEqual(['fm-c-db', 'fm-d-sc']);
    expect(await hasColumn('fm-bad')).toBe(false); // the ADD COLUMN before the failing statement was rolled back too
    expect(await ledger('fm-bad')).toEqual([{ module: 'crm', v: 2 }, { module: 'whatsapp', v: 2 }]);
    expect(await hasColumn('fm-a-db')).toBe(true);
    expect(await ledger('fm-a-db')).toEqual([{ module: 'crm', v: 3 }, { module: 'whatsapp', v: 2 }]);
  });

  it('a re-run resumes; --continue-on-error migrates the others past the failure', async () => {
    const report = await (await v2()).migrator.migrate({ continueOnError: true });
    expect(report.upToDate).toBe(2);
    expect(report.migrated.sort()).toEqual(['fm-c-db', 'fm-d-sc']);
    expect(report.failed.map((f) => f.tenant)).toEqual(['fm-bad']);
  });

  it('--canary stops everything when a canary fails', async () => {
    const report = await (await v2()).migrator.migrate({ canary: 1 });
    expect(report.failed.map((f) => f.tenant)).toEqual(['fm-bad']);
    expect(report.notAttempted).toEqual([]);
  });

  it('once the data is fixed everything reaches the target, and then a run is a no-op', async () => {
    await withAdmin((c) => c.query(`UPDATE fm_bad_crm.leads SET email = 'other@x.com' WHERE nome = 'b'`), 'kryonix_tenants');
    const report = await (await v2()).migrator.migrate({ tenants: ['fm-bad'] });
    expect(report.migrated).toEqual(['fm-bad']);
    const again = await (await v2()).migrator.migrate({});
    expect(again).toMatchObject({ selected: 5, upToDate: 5, planned: [], migrated: [], failed: [] });
  });

  it('a crash between the tenant commit and the ledger write is recovered from the schema mark, without re-applying', async () => {
    await withAdmin((c) => c.query(`DELETE FROM tenant_management.tenant_module_migrations WHERE cliente_id = 'fm-d-sc' AND module = 'crm' AND version = 3`), env.config.registryDatabase);
    const report = await (await v2()).migrator.migrate({});
    expect(report.migrated).toEqual(['fm-d-sc']);
    expect(report.failed).toEqual([]);
    expect(await ledger('fm-d-sc')).toEqual([{ module: 'crm', v: 3 }, { module: 'whatsapp', v: 2 }]);
  });

  it('new tenants get the latest versions', async () => {
    const rt = await v2();
    await rt.provisioner.create({ id: 'fm-new-db', name: 'New', modules: ['crm'], mode: 'database' });
    expect(await ledger('fm-new-db')).toEqual([{ module: 'crm', v: 3 }]);
    expect(await hasColumn('fm-new-db')).toBe(true);
  });

  it('kryonix drift: every tenant matches its recorded versions, until someone alters a table by hand', async () => {
    const rt = await v2();
    expect(await rt.drift.detect()).toEqual({ checked: 6, drifted: [] });
    await withAdmin((c) => c.query(`ALTER TABLE fm_b_sc_crm.leads ADD COLUMN extra integer; DROP INDEX fm_b_sc_crm.idx_leads_mobile`), 'kryonix_tenants');
    await withAdmin((c) => c.query(`ALTER TABLE crm.leads ALTER COLUMN cargo TYPE varchar(200)`), 'kryonix_cliente_fm_c_db');
    const report = await rt.drift.detect();
    expect(report.drifted).toEqual([
      { tenant: 'fm-b-sc', module: 'crm', version: 3, missing: [expect.stringMatching(/^index idx_leads_mobile: CREATE INDEX idx_leads_mobile ON leads/)], unexpected: ['column leads.extra integer'] },
      { tenant: 'fm-c-db', module: 'crm', version: 3, missing: ['column leads.cargo character varying(100)'], unexpected: ['column leads.cargo character varying(200)'] },
    ]);
    expect((await rt.drift.detect({ tenants: ['fm-a-db'] })).drifted).toEqual([]);
  });

  it('a migration that creates a table grants it to each tenant role', async () => {
    writeFileSync(join(modulesDir, 'crm', '0004_tags.sql.hbs'), 'CREATE TABLE {{schema}}.tags (id serial PRIMARY KEY, lead_id uuid REFERENCES {{schema}}.leads(id), nome varchar(50) NOT NULL);\n');
    const rt = await v2();
    const report = await rt.migrator.migrate({ tenants: ['fm-b-sc', 'fm-a-db'] });
    expect(report.failed).toEqual([]);
    for (const [id, db, schema] of [['fm-b-sc', 'kryonix_tenants', 'fm_b_sc_crm'], ['fm-a-db', 'kryonix_cliente_fm_a_db', 'crm']] as const) {
      const client = await connectAsTenant(env, id, db);
      try {
        await client.query(`INSERT INTO ${schema}.tags (nome) VALUES ('vip')`); // table and its sequence
        expect((await client.query(`SELECT nome FROM ${schema}.tags`)).rows).toEqual([{ nome: 'vip' }]);
      } finally {
        await client.end();
      }
    }
    rmSync(join(modulesDir, 'crm', '0004_tags.sql.hbs'));
  });

  it('refuses an edited, already-applied migration file, naming it and the tenants', async () => {
    appendFileSync(join(modulesDir, 'crm', '0001_init.sql.hbs'), '\n-- edited after the fact\n');
    const error = await (await v2()).migrator.migrate({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KryonixError);
    expect((error as KryonixError).code).toBe('MIGRATION_CHANGED');
    expect((error as Error).message).toContain(join('crm', '0001_init.sql.hbs'));
    expect((error as Error).message).toContain('fm-a-db');
    // a create refuses the same file the same way, before anything is made
    const core = await v2();
    const refused = await core.provisioner.create({ id: 'fm-after-edit', name: 'After edit', modules: ['crm'], mode: 'schema' }).catch((e: unknown) => e);
    expect((refused as KryonixError).code).toBe('MIGRATION_CHANGED');
    expect((refused as Error).message).toMatch(/^Refusing to create tenant "fm-after-edit": a migration file was changed after being applied — .*0001_init\.sql\.hbs \(applied to \d+ tenants?: .*fm-a-db/);
    expect(await core.registry.selectFrom('tenant_management.clientes').select('id').where('id', '=', 'fm-after-edit').executeTakeFirst()).toBeUndefined();
    // a module whose files are unchanged is still created
    expect((await core.provisioner.create({ id: 'fm-other-module', name: 'Other', modules: ['whatsapp'], mode: 'schema' })).id).toBe('fm-other-module');
  });
});
