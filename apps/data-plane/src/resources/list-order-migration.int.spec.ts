import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPath } from '@kryonix/platform';
import { createTestEnv, rawRequest, TestEnv, withAdmin } from '@kryonix/testing';
import { DataPlaneServer, startDataPlane } from '../server';

/**
 * Version 2 of every module adds the indexes of the default list order
 * (0002_list_order.sql.hbs). A tenant made at version 1 is migrated to it by
 * `kryonix migrate`, in both isolation modes; a tenant made now gets it at once; drift
 * agrees with both.
 */
const version1 = mkdtempSync(join(tmpdir(), 'kx-modules-v1-'));
let env: TestEnv;
let server: DataPlaneServer;
const keys: Record<string, string> = {};
const MODULES = ['agendamento', 'crm', 'financeiro', 'whatsapp'];
const OLD = { 'lo-old-db': 'database', 'lo-old-sc': 'schema' } as const;

beforeAll(async () => {
  cpSync(projectPath('sql', 'modules'), version1, { recursive: true });
  for (const m of MODULES) for (const f of readdirSync(join(version1, m)).filter((f) => !f.startsWith('0001_') && f !== 'module.json')) rmSync(join(version1, m, f));
  env = await createTestEnv('list-order-mig');
  const before = await env.open({ KRYONIX_MODULES_DIR: version1 });
  expect(before.catalog.list().map((m) => [m.name, m.version])).toEqual(MODULES.map((m) => [m, 1]));
  for (const [id, mode] of Object.entries(OLD)) keys[id] = (await before.provisioner.create({ id, name: id, modules: MODULES, mode })).apiKey!;
  server = await startDataPlane({ env: { ...env.env, KRYONIX_LOG_LEVEL: 'silent' }, port: 0 });
});
afterAll(async () => {
  await server?.close();
  await env?.cleanup();
  rmSync(version1, { recursive: true, force: true });
});

const where = (id: string) => (id.endsWith('-db') ? { database: `kryonix_cliente_${id.replace(/-/g, '_')}`, prefix: '' } : { database: 'kryonix_tenants', prefix: `${id.replace(/-/g, '_')}_` });
/** The tenant's idx_*_recent indexes, as schema.index. */
const recentIndexes = (id: string) =>
  withAdmin(async (c) => {
    const { prefix } = where(id);
    const { rows } = await c.query(`SELECT schemaname || '.' || indexname AS name FROM pg_indexes WHERE schemaname = ANY($1::text[]) AND indexname LIKE 'idx\\_%\\_recent' ORDER BY 1`, [MODULES.map((m) => `${prefix}${m}`)]);
    return rows.map((r) => (r.name as string).slice(prefix.length));
  }, where(id).database);
const ledger = (id: string) =>
  withAdmin(async (c) => (await c.query(`SELECT module, max(version)::int AS v FROM tenant_management.tenant_module_migrations WHERE cliente_id = $1 GROUP BY 1 ORDER BY 1`, [id])).rows, env.config.registryDatabase);

/** Every index the version adds: one per table with a createdAt (20 of the 21 tables; financeiro.configuracoes_cobranca has none). */
const ALL_RECENT = [
  'agendamento.idx_bloqueios_recent', 'agendamento.idx_consultas_recent', 'agendamento.idx_disponibilidade_customizada_recent', 'agendamento.idx_lembretes_recent',
  'agendamento.idx_profissionais_recent', 'agendamento.idx_servicos_recent', 'crm.idx_atividades_recent', 'crm.idx_leads_recent', 'crm.idx_oportunidades_recent',
  'financeiro.idx_assinaturas_recent', 'financeiro.idx_faturas_recent', 'financeiro.idx_planos_recent', 'financeiro.idx_relatorios_mensais_recent', 'financeiro.idx_transacoes_recent',
  'whatsapp.idx_campanhas_recent', 'whatsapp.idx_configuracao_instancia_recent', 'whatsapp.idx_contatos_recent', 'whatsapp.idx_conversas_recent', 'whatsapp.idx_mensagens_recent', 'whatsapp.idx_templates_recent',
];

it('a tenant at version 1 is listed newest first already; migrate brings it to version 2 with the indexes; drift is clean before and after', async () => {
  const core = await env.open();
  expect(core.catalog.list().map((m) => [m.name, m.version])).toEqual(MODULES.map((m) => [m, 2]));
  for (const id of Object.keys(OLD)) {
    expect(await recentIndexes(id)).toEqual([]);
    expect(await ledger(id)).toEqual(MODULES.map((module) => ({ module, v: 1 })));
  }
  expect(await core.drift.detect()).toEqual({ checked: 2, drifted: [] });
  // the order does not need the index, only its speed does
  const id = 'lo-old-sc';
  await rawRequest({ port: server.port, method: 'POST', target: '/api/crm/leads', headers: [['host', `${id}.kryonix.test`], ['authorization', `Bearer ${keys[id]}`], ['content-type', 'application/json']], body: '{"nome":"primeiro"}' });
  await rawRequest({ port: server.port, method: 'POST', target: '/api/crm/leads', headers: [['host', `${id}.kryonix.test`], ['authorization', `Bearer ${keys[id]}`], ['content-type', 'application/json']], body: '{"nome":"segundo"}' });
  const list = await rawRequest({ port: server.port, method: 'GET', target: '/api/crm/leads', headers: [['host', `${id}.kryonix.test`], ['authorization', `Bearer ${keys[id]}`]] });
  expect(list.body.items.map((r: { nome: string }) => r.nome)).toEqual(['segundo', 'primeiro']);

  const plan = await core.migrator.migrate({ dryRun: true });
  expect(plan.planned.map((p) => [p.tenant, p.steps])).toEqual(Object.keys(OLD).map((t) => [t, MODULES.map((module) => ({ module, from: 1, to: 2 }))]));
  const report = await core.migrator.migrate({});
  expect(report).toMatchObject({ failed: [], notAttempted: [] });
  expect(report.migrated.sort()).toEqual(Object.keys(OLD).sort());
  for (const tenant of Object.keys(OLD)) {
    expect(await recentIndexes(tenant)).toEqual(ALL_RECENT);
    expect(await ledger(tenant)).toEqual(MODULES.map((module) => ({ module, v: 2 })));
  }
  expect(await core.drift.detect()).toEqual({ checked: 2, drifted: [] });
  expect((await core.migrator.migrate({})).migrated).toEqual([]);
});

it.each(['database', 'schema'] as const)('a tenant created now (%s mode) is at version 2 with the indexes, and drift agrees', async (mode) => {
  const core = await env.open();
  const id = `lo-new-${mode === 'database' ? 'db' : 'sc'}`;
  await core.provisioner.create({ id, name: id, modules: MODULES, mode });
  expect(await ledger(id)).toEqual(MODULES.map((module) => ({ module, v: 2 })));
  expect(await recentIndexes(id)).toEqual(ALL_RECENT);
  expect((await core.drift.detect({ tenants: [id] })).drifted).toEqual([]);
});
