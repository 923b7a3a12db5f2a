import { readFileSync } from 'node:fs';
import { tenantUrl } from '@kryonix/platform';
import { createTestEnv, rawRequest, TestEnv, type TestCore } from '@kryonix/testing';
import { DataPlaneServer, startDataPlane } from '../server';
import { DATA_PLANE_OPENAPI, only } from './tenant-openapi';

/** Each tenant's OpenAPI document (/openapi.json, behind its key) holds only the modules it bought; /docs is a page that asks for the key. */
let env: TestEnv;
let core: TestCore;
let server: DataPlaneServer;
const keys: Record<string, string> = {};

beforeAll(async () => {
  env = await createTestEnv('api-docs');
  core = await env.open();
  for (const [id, modules] of [
    ['od-crm', ['crm']],
    ['od-two', ['crm', 'whatsapp']],
  ] as const) {
    keys[id] = (await core.provisioner.create({ id, name: id, modules: [...modules], mode: 'schema' })).apiKey!;
  }
  server = await startDataPlane({ env: { ...env.env, KRYONIX_LOG_LEVEL: 'silent' }, port: 0 });
});
afterAll(async () => {
  await server?.close();
  await env?.cleanup();
});

const get = (tenant: string, target: string, key: string | null = keys[tenant]!) =>
  rawRequest({ port: server.port, method: 'GET', target, headers: [['host', `${tenant}.kryonix.test`], ...(key ? [['authorization', `Bearer ${key}`] as [string, string]] : [])] });

/** Every "$ref" of a document, and those that do not resolve in it. */
function refs(document: Record<string, unknown>): { all: string[]; missing: string[] } {
  const all = [...JSON.stringify(document).matchAll(/"\$ref":"#\/([^"]+)"/g)].map((m) => m[1]!);
  const missing = all.filter((ref) => ref.split('/').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document) === undefined);
  return { all, missing: [...new Set(missing)] };
}

it('/openapi.json needs the tenant\'s own key', async () => {
  expect(await get('od-crm', '/openapi.json', null)).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
  expect(await get('od-crm', '/openapi.json', keys['od-two']!)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
  expect(await get('od-nobody', '/openapi.json', keys['od-crm']!)).toMatchObject({ status: 404, body: { error: { code: 'TENANT_NOT_FOUND' } } });
});

it('a tenant with crm only sees the crm paths, tags and schemas, at its own URL', async () => {
  const res = await get('od-crm', '/openapi.json');
  expect(res.status).toBe(200);
  const document = res.body;
  const paths = Object.keys(document.paths);
  expect(paths).toEqual(expect.arrayContaining(['/api/crm/leads', '/api/crm/leads/{id}', '/api/crm/oportunidades', '/api/crm/atividades/{id}']));
  expect(paths.filter((p) => !p.startsWith('/api/crm/'))).toEqual([]);
  const text = JSON.stringify(document);
  expect(text).not.toMatch(/\/api\/(whatsapp|agendamento|financeiro)\//);
  expect(text).not.toMatch(/"(Mensagem|Contato|Consulta|Fatura|Plano)(Create|Update|Page)?"/);
  expect(document.tags.map((t: { name: string }) => t.name)).toEqual(['crm']);
  expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(['Error', 'Point', 'Lead', 'LeadCreate', 'LeadPage', 'LeadUpdate', 'Atividade']));
  expect(document.servers).toEqual([{ url: tenantUrl(env.config, 'od-crm') }]);
  expect(document.info.title).toBe('Kryonix data plane: od-crm');
  // every reference resolves, and nothing unreferenced is left
  const { all, missing } = refs(document);
  expect(missing).toEqual([]);
  const referenced = new Set(all.filter((r) => r.startsWith('components/schemas/')).map((r) => r.split('/')[2]));
  expect(Object.keys(document.components.schemas).filter((n) => !referenced.has(n))).toEqual([]);
  // the generated document, cut: the same operations, filters and schemas
  const generated = JSON.parse(readFileSync(DATA_PLANE_OPENAPI, 'utf8'));
  expect(document.paths).toEqual(only(generated, ['crm']).paths);
  expect(document.paths['/api/crm/leads'].get.parameters).toEqual(generated.paths['/api/crm/leads'].get.parameters);
});

it('a tenant with crm and whatsapp sees both, and nothing else', async () => {
  const document = (await get('od-two', '/openapi.json')).body;
  const modules = new Set(Object.keys(document.paths).map((p: string) => p.split('/')[2]));
  expect([...modules].sort()).toEqual(['crm', 'whatsapp']);
  expect(document.tags.map((t: { name: string }) => t.name).sort()).toEqual(['crm', 'whatsapp']);
  expect(document.components.schemas).toHaveProperty('Mensagem');
  expect(document.components.schemas).not.toHaveProperty('Consulta');
  expect(refs(document).missing).toEqual([]);
});

it('/docs is a page without tenant data that asks for the key and loads /openapi.json with it; its assets are served locally', async () => {
  const page = await get('od-crm', '/docs', null);
  expect(page.status).toBe(200);
  expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(page.body).toContain("fetch('/openapi.json', { headers: { authorization: 'Bearer ' + key } })");
  expect(page.body).toContain('type="password"');
  expect(page.body).not.toContain('od-crm');
  const bundle = await get('od-crm', '/docs/assets/swagger-ui-bundle.js', null);
  expect(bundle.status).toBe(200);
  expect(bundle.headers['content-type']).toBe('text/javascript; charset=utf-8');
  expect((await get('od-crm', '/docs/assets/swagger-ui.css', null)).headers['content-type']).toBe('text/css; charset=utf-8');
  for (const file of ['package.json', '..%2Fpackage.json', 'index.html']) {
    expect(await get('od-crm', `/docs/assets/${file}`, null)).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  }
});
