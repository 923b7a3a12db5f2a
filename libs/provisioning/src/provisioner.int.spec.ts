import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ProvisioningFailed, TenantAlreadyExists, TenantBusy, InvalidInput, UnknownModule } from '@kryonix/domain';
import { ChangeModulesCommand, DeleteTenantCommand } from '@kryonix/tenants';
import { TestEnv, connectAs, createTestEnv, sourceTableCounts, tableCounts, tenantFootprint, tenantRolePassword, withAdmin, type TestCore } from '@kryonix/testing';

const ALL = ['crm', 'whatsapp', 'agendamento', 'financeiro'];
const SOURCE_COUNTS = sourceTableCounts();

let env: TestEnv;
let rt: TestCore;

beforeAll(async () => {
  env = await createTestEnv('prov');
  rt = await env.open();
});
afterAll(() => env.cleanup());

const footprint = (id: string) => tenantFootprint(id, { registryDatabase: env.config.registryDatabase, outputDir: env.config.outputDir });

const rolePassword = (id: string) => tenantRolePassword(env, id);

describe('database mode', () => {
  it('creates a database with every module, its tables as in the source, and the seed SDK query answers', async () => {
    const t = await rt.provisioner.create({ id: 'pv-db-one', name: 'Siqueira Campos Imóveis', modules: ALL.join(',') });
    expect(t).toMatchObject({ mode: 'database', database: 'kryonix_cliente_pv_db_one', role: 'cliente_pv_db_one_user', url: 'https://pv-db-one.kryonix.test:8443' });
    expect(t.apiKey).toMatch(/^sk_pv-db-one_[0-9a-f]{32}$/);
    expect(await tableCounts(t.database, ALL)).toEqual(SOURCE_COUNTS);
    const sdk = await withAdmin((c) => c.query('SELECT database_name FROM tenant_management.clientes WHERE id = $1', ['pv-db-one']), env.config.registryDatabase);
    expect(sdk.rows).toEqual([{ database_name: 'kryonix_cliente_pv_db_one' }]);
    const f = await footprint('pv-db-one');
    expect(f.registry).toEqual({ clientes: 1, tenant_module_migrations: 8, api_keys: 1 }); // four modules at version 2
  });

  it('logs one row per step with a duration', async () => {
    const log = await withAdmin(
      async (c) => (await c.query(`SELECT acao, status, duracao_ms FROM tenant_management.logs_auto_creation WHERE cliente_id = $1 ORDER BY id`, ['pv-db-one'])).rows,
      env.config.registryDatabase,
    );
    expect(log.map((r) => r.acao)).toEqual(['inicio_processo', 'escolha_servidor', 'register', 'create_role', 'create_database', 'grant_access', 'record_modules', 'issue_api_key', 'write_files', 'activate', 'processo_completo']);
    for (const r of log.slice(1)) expect(Number(r.duracao_ms)).toBeGreaterThan(0);
  });
});

describe('schema mode', () => {
  it('creates <id>_<module> schemas in kryonix_tenants with the source tables', async () => {
    const t = await rt.provisioner.create({ id: 'pv-sc-one', name: 'Acme', modules: ALL, mode: 'schema' });
    expect(t.database).toBe('kryonix_tenants');
    expect(t.schemas.sort()).toEqual(ALL.map((m) => `pv_sc_one_${m}`).sort());
    const counts = await tableCounts('kryonix_tenants', t.schemas);
    expect(Object.fromEntries(Object.entries(counts).map(([s, n]) => [s.replace('pv_sc_one_', ''), n]))).toEqual(SOURCE_COUNTS);
  });
});

describe('role isolation', () => {
  beforeAll(async () => {
    await rt.provisioner.create({ id: 'pv-iso-a', name: 'A', modules: 'crm' });
    await rt.provisioner.create({ id: 'pv-iso-b', name: 'B', modules: 'crm' });
    await rt.provisioner.create({ id: 'pv-iso-c', name: 'C', modules: 'crm', mode: 'schema' });
    await rt.provisioner.create({ id: 'pv-iso-d', name: 'D', modules: 'crm', mode: 'schema' });
  });

  it('a database-mode role uses its own database and cannot connect to another tenant or the registry', async () => {
    const pw = await rolePassword('pv-iso-a');
    const own = await connectAs('cliente_pv_iso_a_user', pw, 'kryonix_cliente_pv_iso_a');
    await own.query(`INSERT INTO crm.leads (nome) VALUES ('Maria')`);
    expect((await own.query('SELECT nome FROM crm.leads')).rows).toEqual([{ nome: 'Maria' }]);
    await own.end();
    await expect(connectAs('cliente_pv_iso_a_user', pw, 'kryonix_cliente_pv_iso_b')).rejects.toMatchObject({ code: '42501' });
    await expect(connectAs('cliente_pv_iso_a_user', pw, env.config.registryDatabase)).rejects.toMatchObject({ code: '42501' });
    await expect(connectAs('cliente_pv_iso_a_user', pw, 'kryonix_tenants')).rejects.toMatchObject({ code: '42501' });
  });

  it('a schema-mode role reads its schemas and not another tenant’s', async () => {
    const client = await connectAs('cliente_pv_iso_c_user', await rolePassword('pv-iso-c'), 'kryonix_tenants');
    try {
      await client.query(`INSERT INTO pv_iso_c_crm.leads (nome) VALUES ('João')`);
      expect((await client.query('SELECT count(*)::int AS n FROM pv_iso_c_crm.leads')).rows[0].n).toBe(1);
      await expect(client.query('SELECT * FROM pv_iso_d_crm.leads')).rejects.toMatchObject({ code: '42501' });
      await expect(client.query('CREATE TABLE public.x (id int)')).rejects.toMatchObject({ code: '42501' });
    } finally {
      await client.end();
    }
  });
});

describe('atomicity', () => {
  const STEPS = ['register', 'create_role', 'create_database', 'create_schemas', 'grant_access', 'record_modules', 'issue_api_key', 'write_files', 'activate'];

  it.each(STEPS.flatMap((step) => (['database', 'schema'] as const).filter((mode) => !(mode === 'database' && step === 'create_schemas') && !(mode === 'schema' && step === 'create_database')).map((mode) => [step, mode] as const)))(
    'a failure at %s (%s mode) names the step and leaves nothing behind',
    async (step, mode) => {
      const id = `pv-fail-${mode.slice(0, 2)}-${step.replace(/_/g, '')}`.slice(0, 40);
      const failing = await env.open({ KRYONIX_FAILPOINTS: `${step}=fail` });
      const error = await failing.provisioner.create({ id, name: 'Falha', modules: ALL, mode }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProvisioningFailed);
      expect((error as ProvisioningFailed).step).toBe(step);
      expect((error as Error).message).toContain(`step "${step}"`);
      expect(await footprint(id)).toEqual({ databases: [], roles: [], schemas: [], registry: { clientes: 0, tenant_module_migrations: 0, api_keys: 0 }, files: false });
      // and the same create then succeeds
      await expect(rt.provisioner.create({ id, name: 'Falha', modules: ALL, mode })).resolves.toMatchObject({ id });
    },
  );
});

describe('concurrency', () => {
  it('two creates of one id give one tenant and one clear conflict', async () => {
    const other = await env.open();
    const results = await Promise.allSettled([
      rt.provisioner.create({ id: 'pv-same', name: 'Same', modules: ALL }),
      other.provisioner.create({ id: 'pv-same', name: 'Same', modules: ALL }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected?.reason instanceof TenantBusy || rejected?.reason instanceof TenantAlreadyExists).toBe(true);
    expect((await footprint('pv-same')).registry.clientes).toBe(1);
  });

  it('ten distinct ids, both modes, run concurrently', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `pv-par-${i}`);
    const results = await Promise.all(ids.map((id, i) => rt.provisioner.create({ id, name: id, modules: ALL, mode: i % 2 ? 'schema' : 'database' })));
    expect(results.map((r) => r.id)).toEqual(ids);
    for (const id of ids) expect((await footprint(id)).registry).toEqual({ clientes: 1, tenant_module_migrations: 8, api_keys: 1 }); // four modules at version 2
  });
});

describe('hostile input', () => {
  const badIds = ["x'; DROP TABLE tenant_management.clientes; --", 'a"b', 'ação', 'a'.repeat(64), '', 'Acme', '-abc', 'abc-', 'ab', 'www', 'admin', 'a b', 'abc\u0000', 'ab;c', '../etc'];
  it.each(badIds)('refuses id %j with a clear message and creates nothing', async (id) => {
    const e = await rt.provisioner.create({ id, name: 'X', modules: 'crm' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvalidInput);
    expect((e as Error).message).toMatch(/tenant id/i);
  });

  it.each(['', 'x'.repeat(256), 'line\nbreak', 'tab\there'])('refuses name %j', async (name) => {
    await expect(rt.provisioner.create({ id: 'pv-badname', name, modules: 'crm' })).rejects.toBeInstanceOf(InvalidInput);
    expect((await footprint('pv-badname')).registry.clientes).toBe(0);
  });

  it.each(["crm'; DROP SCHEMA crm; --", 'crm;whatsapp', 'crm,ação', 'm'.repeat(70), 'CRM', 'crm,"x"'])('refuses modules %j listing the known ones', async (modules) => {
    const e = await rt.provisioner.create({ id: 'pv-badmod', name: 'X', modules }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UnknownModule);
    expect((e as Error).message).toContain('known modules are: agendamento, crm, financeiro, whatsapp');
    expect((await footprint('pv-badmod')).registry.clientes).toBe(0);
  });

  it('keeps a hostile but valid name verbatim, as a parameter', async () => {
    const name = `O'Brien"; DROP DATABASE kryonix_core; -- 🏠 Imóveis`;
    await rt.provisioner.create({ id: 'pv-quotes', name, modules: 'crm' });
    const row = await withAdmin(async (c) => (await c.query('SELECT nome FROM tenant_management.clientes WHERE id = $1', ['pv-quotes'])).rows[0], env.config.registryDatabase);
    expect(row.nome).toBe(name);
  });

  it('refuses an empty module list and a non-list', async () => {
    await expect(rt.provisioner.create({ id: 'pv-nomod', name: 'X', modules: ' , ' })).rejects.toThrow(/At least one module/);
    await expect(rt.provisioner.create({ id: 'pv-nomod', name: 'X', modules: 42 })).rejects.toBeInstanceOf(InvalidInput);
    await expect(rt.provisioner.create({ id: 'pv-nomod', name: 'X', modules: 'crm', mode: 'cluster' })).rejects.toThrow(/allowed modes are database, schema/);
  });
});

describe('secrets', () => {
  it('keeps no plain API key or role password anywhere in the registry or the generated files', async () => {
    const t = await rt.provisioner.create({ id: 'pv-secret', name: 'Secret', modules: ALL, mode: 'schema' });
    const password = await rolePassword('pv-secret');
    expect(password.length).toBeGreaterThanOrEqual(43); // 256 bits, base64url
    const dump = await withAdmin(async (c) => {
      const tables = (await c.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'tenant_management'`)).rows.map((r) => r.table_name as string);
      let text = '';
      for (const table of tables) text += JSON.stringify((await c.query(`SELECT * FROM tenant_management."${table}"`)).rows);
      return text;
    }, env.config.registryDatabase);
    expect(dump).toContain('pv-secret');
    expect(dump).not.toContain(t.apiKey!);
    expect(dump).not.toContain(t.apiKey!.slice(-32));
    expect(dump).not.toContain(password);
    for (const file of t.files) {
      const text = readFileSync(file, 'utf8');
      expect(text).not.toContain(t.apiKey!.slice(-32));
      expect(text).not.toContain(password);
    }
    const authid = await withAdmin(async (c) => (await c.query(`SELECT rolpassword FROM pg_authid WHERE rolname = 'cliente_pv_secret_user'`)).rows[0].rolpassword as string);
    expect(authid).toMatch(/^SCRAM-SHA-256\$4096:/);
  });

  it('writes the sdk .env with mode 0600 and no password', async () => {
    const file = join(env.config.outputDir, 'pv-secret', 'sdk.env');
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toMatch(/PASSWORD/);
  });
});

describe('reused ids', () => {
  it('a purged schema-mode tenant leaves nothing, detached modules included; a new tenant with its id starts empty', async () => {
    await rt.provisioner.create({ id: 'pv-reuse', name: 'First', modules: ['crm', 'whatsapp'], mode: 'schema' });
    await withAdmin((c) => c.query(`INSERT INTO pv_reuse_whatsapp.contatos (numero) VALUES ('5511000000000')`), 'kryonix_tenants');
    await rt.commands.execute(new ChangeModulesCommand('pv-reuse', ['crm'], false)); // whatsapp detached, data kept
    await rt.commands.execute(new DeleteTenantCommand('pv-reuse', true));
    expect((await footprint('pv-reuse')).schemas).toEqual([]);
    await rt.provisioner.create({ id: 'pv-reuse', name: 'Second', modules: ['crm', 'whatsapp'], mode: 'schema' });
    const rows = await withAdmin(async (c) => (await c.query('SELECT count(*)::int AS n FROM pv_reuse_whatsapp.contatos')).rows[0].n, 'kryonix_tenants');
    expect(rows).toBe(0);
  });

  it('a first create never adopts (nor, on failure, drops) storage it did not make', async () => {
    await withAdmin((c) => c.query('CREATE SCHEMA pv_orphan_crm; CREATE TABLE pv_orphan_crm.keep (x int)'), 'kryonix_tenants');
    const error = await rt.provisioner.create({ id: 'pv-orphan', name: 'Orphan', modules: ['crm'], mode: 'schema' }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/pv_orphan_crm already exist/);
    expect((await footprint('pv-orphan')).schemas).toEqual(['pv_orphan_crm']); // still there, untouched
    expect((await footprint('pv-orphan')).registry.clientes).toBe(0);
    await withAdmin((c) => c.query('CREATE DATABASE kryonix_cliente_pv_orphan_db'));
    const dbError = await rt.provisioner.create({ id: 'pv-orphan-db', name: 'Orphan', modules: ['crm'] }).catch((e: unknown) => e);
    expect((dbError as Error).message).toMatch(/kryonix_cliente_pv_orphan_db" already exists/);
    expect((await footprint('pv-orphan-db')).databases).toEqual(['kryonix_cliente_pv_orphan_db']);
  });
});
