import { ReplaceNameTaken } from '@kryonix/domain';
import { TenantRepository } from '@kryonix/registry';
import { AddServerCommand } from '@kryonix/tenants';
import { ExtraPostgres, TestCore, TestEnv, createTestEnv, startExtraPostgres, withAdmin } from '@kryonix/testing';
import { TenantServers } from '../tenant-servers';
import { TenantReplacer } from './tenant-replacer';

/**
 * A name a replace would make is already on the tenant's server (a leftover, someone's own
 * schema): the replace is refused with a typed error naming it, before anything is made
 * or logged, and the tenant is as it was. Names fixed (token `deadbeef`) to make the clash,
 * on a server of this spec's own (other specs count a replace's names on the shared one).
 */
let env: TestEnv;
let rt: TestCore;
let own: ExtraPostgres;
const replacer = new TenantReplacer(undefined, () => 'deadbeef');
const registry = async (text: string, values: unknown[] = []) => (await withAdmin((c) => c.query(text, values), env.config.registryDatabase)).rows;

beforeAll(async () => {
  [env, own] = await Promise.all([createTestEnv('rpl-names'), startExtraPostgres('rpl-names')]);
  rt = await env.open();
  await rt.commands.execute(new AddServerCommand({ name: 'own', adminUrl: own.url, moves: false }));
}, 180_000);
afterAll(async () => {
  await env?.cleanup();
  await own?.destroy();
});

async function replaceOver(id: string): Promise<unknown> {
  const tenant = (await new TenantRepository(rt.registry).findById(id))!;
  const modules = rt.catalog.resolve(tenant.modules);
  const plan = replacer.plan(tenant, modules, modules, 60_000);
  const server = await rt.app.get(TenantServers).get(tenant.serverName);
  let loaded = false;
  const error = await replacer
    .replace(rt.registry, server, plan, modules, modules, async () => {
      loaded = true;
      return {};
    })
    .catch((e: unknown) => e);
  expect(loaded).toBe(false); // refused before the copy was made
  return error;
}

it.each([
  ['schema', 'rn-sc', `CREATE SCHEMA kxk_deadbeef_crm`, 'kryonix_tenants', 'schema "kxk_deadbeef_crm"'],
  ['database', 'rn-db', `CREATE DATABASE kryonix_replaced_deadbeef`, undefined, 'database "kryonix_replaced_deadbeef"'],
] as const)('%s mode: a taken name is a typed refusal naming it; nothing made, nothing logged, the tenant as it was', async (mode, id, occupy, database, named) => {
  await rt.provisioner.create({ id, name: id, modules: 'crm', mode, server: 'own' });
  await withAdmin((c) => c.query(occupy), database, own.url);
  const error = await replaceOver(id);
  expect(error).toBeInstanceOf(ReplaceNameTaken);
  expect(error).toMatchObject({ code: 'NAME_TAKEN', message: expect.stringContaining(`Cannot replace tenant "${id}": ${named} already exists on its server`) });
  expect(await registry(`SELECT acao FROM tenant_management.logs_auto_creation WHERE cliente_id = $1 AND acao LIKE '%replace%'`, [id])).toEqual([]);
  const incoming = mode === 'schema' ? await withAdmin(async (c) => (await c.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'kxr\\_deadbeef\\_%'`)).rows, 'kryonix_tenants', own.url) : await withAdmin(async (c) => (await c.query(`SELECT datname FROM pg_database WHERE datname = 'kryonix_replace_deadbeef'`)).rows, undefined, own.url);
  expect(incoming).toEqual([]);
  expect(await registry(`SELECT status FROM tenant_management.clientes WHERE id = $1`, [id])).toEqual([{ status: 'active' }]);
}, 180_000);
