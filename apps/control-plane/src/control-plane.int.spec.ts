import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Redis from 'ioredis';
import { connectAs, createTestEnv, startRedis, TestEnv, TestRedis, tenantFootprint, tenantRolePassword, withAdmin } from '@kryonix/testing';
import { ControlPlaneServer, startControlPlane } from './server';
import { PurgeWorker } from './worker/purge.worker';
import { TenantMetrics } from './metrics/tenant-metrics';

const TOKEN = 'test-operator-token-0123456789';
let env: TestEnv;
let server: ControlPlaneServer;
let redis: TestRedis;
const logLines: string[] = [];
const logStream = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(String(chunk));
    done();
  },
});
let subscriber: Redis;
const events: Array<{ type: string; tenantId: string }> = [];

beforeAll(async () => {
  env = await createTestEnv('cp');
  redis = await startRedis();
  subscriber = new Redis(redis.url);
  await subscriber.subscribe('kryonix:tenants');
  subscriber.on('message', (_channel, message) => events.push(JSON.parse(message)));
  server = await startControlPlane({
    logStream,
    env: { ...env.env, REDIS_URL: redis.url, KRYONIX_OPERATOR_TOKEN: TOKEN, KRYONIX_LOG_LEVEL: 'info', KRYONIX_DELETE_GRACE: '0', KRYONIX_WORKER_INTERVAL_MS: '0' },
    port: 0,
  });
});
afterAll(async () => {
  await server?.close();
  subscriber?.disconnect();
  await redis?.stop();
  await env.cleanup();
});

async function eventually(check: () => boolean, ms = 1000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function call(method: string, path: string, body?: unknown, token: string | null = TOKEN) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const registry = () => env.config.registryDatabase;
const footprint = (id: string) => tenantFootprint(id, { registryDatabase: registry(), outputDir: env.config.outputDir });
const password = (id: string) => tenantRolePassword(env, id);
async function canLogin(id: string, database: string): Promise<boolean> {
  try {
    const c = await connectAs(`cliente_${id.replace(/-/g, '_')}_user`, await password(id), database);
    await c.end();
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '28000') return false; // role is not permitted to log in
    throw error;
  }
}

describe('auth', () => {
  it('refuses calls without a token and with a wrong one, in the error format', async () => {
    expect(await call('GET', '/v1/tenants', undefined, null)).toEqual({ status: 401, body: { error: { code: 'UNAUTHORIZED', message: expect.any(String) } } });
    expect((await call('GET', '/v1/tenants', undefined, 'wrong-token-wrong-token')).status).toBe(401);
    expect((await call('POST', '/v1/tenants', { id: 'cp-noauth', name: 'x', modules: ['crm'] }, null)).status).toBe(401);
    expect((await footprint('cp-noauth')).registry.clientes).toBe(0);
  });

  it('serves the OpenAPI document at /docs-json and a browsable page at /docs', async () => {
    const doc = await call('GET', '/docs-json', undefined, null);
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    for (const path of ['/v1/tenants', '/v1/tenants/{id}', '/v1/tenants/{id}/suspend', '/v1/tenants/{id}/modules', '/v1/jobs/{id}', '/v1/modules']) expect(doc.body.paths).toHaveProperty([path]);
    expect(Object.keys(doc.body.paths['/v1/tenants'].post.responses).sort()).toEqual(['201', '202', '400', '401', '409', '423']);
    const page = await fetch(`${server.url}/docs`);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('SwaggerUIBundle');
    const asset = await fetch(`${server.url}/docs/assets/swagger-ui-bundle.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect((await fetch(`${server.url}/docs/assets/..%2Fpackage.json`)).status).toBe(404);
  });

  it('leaves health probes open', async () => {
    expect(await call('GET', '/healthz', undefined, null)).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await call('GET', '/readyz', undefined, null)).toEqual({ status: 200, body: { ready: true, registry: 'ok', pendingMigrations: [] } });
  });
});

describe('tenants API', () => {
  it('POST /v1/tenants creates (201) with the CLI --json body', async () => {
    const res = await call('POST', '/v1/tenants', { id: 'cp-one', name: 'Control One', modules: ['crm', 'whatsapp'] });
    // seen once in CI (a 500, not reproduced): show the server's own account of it when it happens
    if (res.status !== 201) console.error(`POST /v1/tenants answered ${res.status} ${JSON.stringify(res.body)}; server log:\n${logLines.filter((l) => /"level":(40|50|60)/.test(l)).join('')}`);
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['apiKey', 'database', 'durationMs', 'id', 'mode', 'modules', 'name', 'role', 'schemas', 'server', 'url']);
    expect(res.body).toMatchObject({ id: 'cp-one', mode: 'database', database: 'kryonix_cliente_cp_one' });
    expect(res.body.apiKey).toMatch(/^sk_cp-one_[0-9a-f]{32}$/);
  });

  it('maps errors: 409 exists, 400 invalid with the allowed values, 400 malformed bodies, 404 unknown', async () => {
    expect((await call('POST', '/v1/tenants', { id: 'cp-one', name: 'Control One', modules: ['crm'] })).body.error.code).toBe('TENANT_EXISTS');
    expect((await call('POST', '/v1/tenants', { id: 'cp-one', name: 'Control One', modules: ['crm'] })).status).toBe(409);
    const bad = await call('POST', '/v1/tenants', { id: 'Bad Id', name: 'x', modules: ['crm'] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('lowercase letters a-z');
    const unknown = await call('POST', '/v1/tenants', { id: 'cp-unk', name: 'x', modules: ['estoque'] });
    expect(unknown).toMatchObject({ status: 400, body: { error: { code: 'UNKNOWN_MODULE' } } });
    expect(unknown.body.error.message).toContain('agendamento, crm, financeiro, whatsapp');
    expect((await call('POST', '/v1/tenants', { id: 'cp-x', name: 'x', modules: 'crm' })).status).toBe(400);
    expect((await call('POST', '/v1/tenants', { id: 'cp-x', name: 'x', modules: ['crm'], extra: 1 })).status).toBe(400);
    expect((await call('POST', '/v1/tenants', '{not json')).status).toBe(400);
    expect((await call('POST', '/v1/tenants', { id: 'cp-x', name: 'x', modules: ['crm'], mode: 'cluster' })).body.error.message).toContain('database, schema');
    expect(await call('GET', '/v1/tenants/cp-nope')).toMatchObject({ status: 404, body: { error: { code: 'TENANT_NOT_FOUND' } } });
    expect((await call('POST', '/v1/tenants/cp-nope/suspend')).status).toBe(404);
    expect((await call('GET', '/v1/nothing-here')).status).toBe(404);
    // every tenant route: bad id 400, unknown tenant 404
    for (const [method, path, body] of [
      ['GET', '/v1/tenants/%s'],
      ['GET', '/v1/tenants/%s/log'],
      ['POST', '/v1/tenants/%s/suspend'],
      ['POST', '/v1/tenants/%s/resume'],
      ['DELETE', '/v1/tenants/%s'],
      ['PUT', '/v1/tenants/%s/modules', { modules: ['crm'] }],
      ['POST', '/v1/tenants/%s/api-keys'],
      ['POST', '/v1/tenants/%s/credentials'],
      ['POST', '/v1/tenants/%s/connection'],
    ] as Array<[string, string, unknown?]>) {
      expect([path, (await call(method, path.replace('%s', 'Bad_Id'), body)).status]).toEqual([path, 400]);
      if (!path.endsWith('/log')) expect([path, (await call(method, path.replace('%s', 'cp-ghost'), body)).status]).toEqual([path, 404]);
    }
    expect((await call('GET', '/v1/tenants?limit=0')).status).toBe(400);
    expect((await call('PUT', '/v1/tenants/cp-one/modules', { modules: ['crm'], extra: true })).status).toBe(400);
  });

  it('/v1/servers lists the registry\'s own server and refuses bad input (kryonix server over HTTP)', async () => {
    const list = await call('GET', '/v1/servers');
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([expect.objectContaining({ name: 'default', state: 'active', reachable: true })]);
    expect(JSON.stringify(list.body)).not.toMatch(/postgres(ql)?:\/\//);
    expect((await call('GET', '/v1/servers/default')).body).toMatchObject({ name: 'default' });
    expect(await call('GET', '/v1/servers/pg-nobody')).toMatchObject({ status: 404, body: { error: { code: 'SERVER_NOT_FOUND' } } });
    expect((await call('GET', '/v1/servers/Bad_Name')).status).toBe(400);
    expect((await call('POST', '/v1/servers', { name: 'pg-x' })).status).toBe(400);
    expect((await call('POST', '/v1/servers', { name: 'pg-x', adminUrl: 'postgres://u:p@127.0.0.1:1/postgres', tags: { Region: 'x' } })).body.error.message).toContain('Invalid tags "Region=x"');
    expect(await call('POST', '/v1/servers', { name: 'pg-x', adminUrl: 'postgres://u:p@127.0.0.1:1/postgres' })).toMatchObject({ status: 503, body: { error: { code: 'UNAVAILABLE' } } });
    expect(await call('DELETE', '/v1/servers/default')).toMatchObject({ status: 409, body: { error: { code: 'SERVER_IN_USE' } } });
  });

  it('GET /v1/tenants pages with a cursor and filters by status and module', async () => {
    await call('POST', '/v1/tenants', { id: 'cp-page-a', name: 'A', modules: ['financeiro'], mode: 'schema' });
    await call('POST', '/v1/tenants', { id: 'cp-page-b', name: 'B', modules: ['financeiro'], mode: 'schema' });
    await call('POST', '/v1/tenants', { id: 'cp-page-c', name: 'C', modules: ['financeiro'], mode: 'schema' });
    const first = await call('GET', '/v1/tenants?module=financeiro&limit=2');
    expect(first.body.items.map((t: { id: string }) => t.id)).toEqual(['cp-page-a', 'cp-page-b']);
    expect(first.body.nextCursor).toBe('cp-page-b');
    const second = await call('GET', `/v1/tenants?module=financeiro&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body).toEqual({ items: [expect.objectContaining({ id: 'cp-page-c' })], nextCursor: null });
    await call('POST', '/v1/tenants/cp-page-b/suspend');
    const suspended = await call('GET', '/v1/tenants?status=suspended');
    expect(suspended.body.items.map((t: { id: string }) => t.id)).toEqual(['cp-page-b']);
    expect((await call('GET', '/v1/tenants?status=sleeping')).status).toBe(400);
    const bySchema = await call('GET', '/v1/tenants?mode=schema&module=financeiro');
    expect(bySchema.body.items.map((t: { id: string }) => t.id)).toEqual(['cp-page-a', 'cp-page-b', 'cp-page-c']);
    expect((await call('GET', '/v1/tenants?mode=database&module=financeiro')).body.items).toEqual([]);
    expect((await call('GET', '/v1/tenants?mode=both')).status).toBe(400);
    expect(JSON.stringify(first.body)).not.toContain('rolePassword');
  });

  it('GET /v1/tenants/:id and /log', async () => {
    const show = await call('GET', '/v1/tenants/cp-one');
    expect(show.body).toMatchObject({ id: 'cp-one', status: 'active', schemas: ['crm', 'whatsapp'] });
    const log = await call('GET', '/v1/tenants/cp-one/log');
    expect(log.body.items.map((e: { action: string }) => e.action)).toContain('create_database');
  });

  it('Prefer: respond-async queues a durable job (202 + Location); the key is shown on the first read of the finished job only', async () => {
    const res = await fetch(`${server.url}/v1/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', prefer: 'respond-async' },
      body: JSON.stringify({ id: 'cp-async', name: 'Async', modules: ['agendamento'], mode: 'schema' }),
    });
    expect(res.status).toBe(202);
    const job = (await res.json()) as any;
    expect(res.headers.get('location')).toBe(`/v1/jobs/${job.id}`);
    expect(job).toMatchObject({ kind: 'create_tenant', tenantId: 'cp-async', status: 'queued' });
    let view: any = job;
    const deadline = Date.now() + 15_000;
    while (view.status !== 'succeeded' && view.status !== 'failed' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      view = (await call('GET', `/v1/jobs/${job.id}`)).body;
    }
    expect(view).toMatchObject({ status: 'succeeded', attempts: 1, result: { id: 'cp-async', schemas: ['cp_async_agendamento'] } });
    expect(view.result.apiKey).toMatch(/^sk_cp-async_[0-9a-f]{32}$/);
    const again = (await call('GET', `/v1/jobs/${job.id}`)).body;
    expect(again.result.apiKey).toBeUndefined();
    expect(again.result.id).toBe('cp-async');
    const stored = await withAdmin(async (c) => JSON.stringify((await c.query('SELECT * FROM tenant_management.jobs')).rows), registry());
    expect(stored).not.toContain(view.result.apiKey.slice(-32));
    expect((await call('GET', '/v1/tenants/cp-async')).body.status).toBe('active');
  });

  it('module changes and purges can be durable jobs too', async () => {
    await call('POST', '/v1/tenants', { id: 'cp-asyncmods', name: 'Async mods', modules: ['crm'], mode: 'schema' });
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', prefer: 'respond-async' };
    const put = await fetch(`${server.url}/v1/tenants/cp-asyncmods/modules`, { method: 'PUT', headers, body: JSON.stringify({ modules: ['crm', 'financeiro'] }) });
    expect(put.status).toBe(202);
    const job = (await put.json()) as any;
    const waitJob = async (id: string) => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const view = (await call('GET', `/v1/jobs/${id}`)).body;
        if (view.status === 'succeeded' || view.status === 'failed' || Date.now() > deadline) return view;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    expect(await waitJob(job.id)).toMatchObject({ kind: 'change_modules', status: 'succeeded', result: { added: ['financeiro'] } });
    const bad = await fetch(`${server.url}/v1/tenants/cp-asyncmods/modules`, { method: 'PUT', headers, body: JSON.stringify({ modules: ['estoque'] }) });
    expect(bad.status).toBe(400); // checked before queuing
    const del = await fetch(`${server.url}/v1/tenants/cp-asyncmods?purge=true`, { method: 'DELETE', headers: { authorization: headers.authorization, prefer: 'respond-async' } });
    expect(del.status).toBe(202);
    expect(await waitJob(((await del.json()) as any).id)).toMatchObject({ kind: 'purge_tenant', status: 'succeeded', result: { id: 'cp-asyncmods', status: 'purged' } });
    expect((await footprint('cp-asyncmods')).schemas).toEqual([]);
  });

  it('async creates are validated before they are queued; unknown jobs are 404', async () => {
    const bad = await fetch(`${server.url}/v1/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', prefer: 'respond-async' },
      body: JSON.stringify({ id: 'cp-async', name: 'Async', modules: ['crm'] }),
    });
    expect(bad.status).toBe(409);
    expect((await call('GET', '/v1/jobs/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    expect((await call('GET', '/v1/jobs/not-a-uuid')).status).toBe(400);
  });

  it('POST /v1/migrations runs a fleet migration as a job; GET /v1/drift reports no drift', async () => {
    const res = await call('POST', '/v1/migrations', { modules: ['crm'] });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ kind: 'migrate_fleet', result: { target: { crm: 2 } } });
    const deadline = Date.now() + 15_000;
    let job = res.body;
    while (job.status !== 'succeeded' && job.status !== 'failed' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      job = (await call('GET', `/v1/jobs/${res.body.id}`)).body;
    }
    expect(job).toMatchObject({ status: 'succeeded', result: { failed: [], notAttempted: 0 } });
    const drift = await call('GET', '/v1/drift?tenant=cp-one');
    expect(drift).toEqual({ status: 200, body: { checked: 1, drifted: [] } });
    expect((await call('POST', '/v1/migrations', { modules: ['estoque'] })).status).toBe(400);
    expect((await call('POST', '/v1/migrations', { tenants: ['cp-nobody'] })).status).toBe(404);
  });

  it('GET /v1/modules', async () => {
    const res = await call('GET', '/v1/modules');
    expect(res.body.items.map((m: { name: string }) => m.name)).toEqual(['agendamento', 'crm', 'financeiro', 'whatsapp']);
  });
});

describe('lifecycle', () => {
  it('suspend makes the tenant role unable to log in; resume gives it back', async () => {
    expect(await canLogin('cp-one', 'kryonix_cliente_cp_one')).toBe(true);
    expect(await call('POST', '/v1/tenants/cp-one/suspend')).toEqual({ status: 200, body: { id: 'cp-one', status: 'suspended' } });
    expect(await canLogin('cp-one', 'kryonix_cliente_cp_one')).toBe(false);
    expect((await call('POST', '/v1/tenants/cp-one/api-keys')).status).toBe(201); // a suspended tenant may still get a new key
    expect(await call('POST', '/v1/tenants/cp-one/resume')).toEqual({ status: 200, body: { id: 'cp-one', status: 'active' } });
    expect(await canLogin('cp-one', 'kryonix_cliente_cp_one')).toBe(true);
  });

  it('PUT /modules adds in dependency order, detaches (data kept, access gone), re-attaches, and purges on request', async () => {
    await call('POST', '/v1/tenants', { id: 'cp-mods', name: 'Mods', modules: ['crm'], mode: 'schema' });
    const pw = await password('cp-mods');
    const added = await call('PUT', '/v1/tenants/cp-mods/modules', { modules: ['crm', 'whatsapp', 'financeiro'] });
    expect(added).toEqual({ status: 200, body: { id: 'cp-mods', modules: ['crm', 'financeiro', 'whatsapp'], added: ['financeiro', 'whatsapp'], removed: [], purged: [] } });
    const client = await connectAs('cliente_cp_mods_user', pw, 'kryonix_tenants');
    try {
      await client.query(`INSERT INTO cp_mods_whatsapp.contatos (numero) VALUES ('5511999990000')`);
      const detached = await call('PUT', '/v1/tenants/cp-mods/modules', { modules: ['crm', 'financeiro'] });
      expect(detached.body).toMatchObject({ removed: ['whatsapp'], purged: [] });
      await expect(client.query('SELECT * FROM cp_mods_whatsapp.contatos')).rejects.toMatchObject({ code: '42501' });
      expect((await footprint('cp-mods')).schemas).toContain('cp_mods_whatsapp'); // data kept
      await call('PUT', '/v1/tenants/cp-mods/modules', { modules: ['crm', 'financeiro', 'whatsapp'] });
      expect((await client.query('SELECT numero FROM cp_mods_whatsapp.contatos')).rows).toEqual([{ numero: '5511999990000' }]);
      const purged = await call('PUT', '/v1/tenants/cp-mods/modules', { modules: ['crm'], purge: true });
      expect(purged.body).toMatchObject({ modules: ['crm'], removed: ['financeiro', 'whatsapp'], purged: ['financeiro', 'whatsapp'] });
      expect((await footprint('cp-mods')).schemas).toEqual(['cp_mods_crm']);
      expect((await footprint('cp-mods')).registry.tenant_module_migrations).toBe(2); // crm 1 and 2
      const monitoring = readFileSync(join(env.config.outputDir, 'cp-mods', 'monitoring.yml'), 'utf8');
      expect(monitoring).toContain('schemas: [cp_mods_crm]');
    } finally {
      await client.end();
    }
    expect((await call('PUT', '/v1/tenants/cp-mods/modules', { modules: ['estoque'] })).body.error.code).toBe('UNKNOWN_MODULE');
    expect((await call('PUT', '/v1/tenants/cp-mods/modules', { modules: [] })).status).toBe(400);
  });

  it('rotate-key shows a new key once and revokes the old one', async () => {
    const res = await call('POST', '/v1/tenants/cp-one/api-keys');
    expect(res.status).toBe(201);
    expect(res.body.apiKey).toMatch(/^sk_cp-one_[0-9a-f]{32}$/);
    const keys = (await call('GET', '/v1/tenants/cp-one')).body.apiKeys as Array<{ prefix: string; revokedAt: string | null }>;
    const live = keys.filter((k) => !k.revokedAt);
    expect(live).toHaveLength(1);
    expect(res.body.apiKey.startsWith(live[0]!.prefix)).toBe(true);

    // with an overlap the previous key keeps working for that long
    const overlapped = await call('POST', '/v1/tenants/cp-one/api-keys', { overlapSeconds: 3600 });
    expect(new Date(overlapped.body.previousKeysValidUntil).getTime()).toBeGreaterThan(Date.now() + 3500_000);
    const after = (await call('GET', '/v1/tenants/cp-one')).body.apiKeys as Array<{ prefix: string; revokedAt: string | null }>;
    const previous = after.find((k) => k.prefix === live[0]!.prefix)!;
    expect(new Date(previous.revokedAt!).getTime()).toBeGreaterThan(Date.now() + 3500_000);
    expect(after.filter((k) => !k.revokedAt)).toHaveLength(1);
    expect((await call('POST', '/v1/tenants/cp-one/api-keys', { overlapSeconds: 10 ** 9 })).status).toBe(400);
  });

  it('PUT /rate-limit sets the tenant’s own data-plane limit, null restores the default', async () => {
    expect(await call('PUT', '/v1/tenants/cp-one/rate-limit', { perMinute: 120 })).toEqual({ status: 200, body: { id: 'cp-one', rateLimitPerMinute: 120 } });
    expect((await call('GET', '/v1/tenants/cp-one')).body.rateLimitPerMinute).toBe(120);
    expect((await call('PUT', '/v1/tenants/cp-one/rate-limit', { perMinute: 0 })).status).toBe(400);
    expect((await call('PUT', '/v1/tenants/cp-one/rate-limit', { perMinute: null })).body).toEqual({ id: 'cp-one', rateLimitPerMinute: null });
  });

  it('rotate-credentials changes the role password, stored re-encrypted', async () => {
    const before = await password('cp-one');
    expect((await call('POST', '/v1/tenants/cp-one/credentials')).status).toBe(200);
    const after = await password('cp-one');
    expect(after).not.toBe(before);
    await expect(connectAs('cliente_cp_one_user', before, 'kryonix_cliente_cp_one')).rejects.toMatchObject({ code: '28P01' });
    expect(await canLogin('cp-one', 'kryonix_cliente_cp_one')).toBe(true);
    // what `kryonix tenant connection-string` shows through a control plane: the new password, never cached
    const res = await fetch(`${server.url}/v1/tenants/cp-one/connection`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const connection = (await res.json()) as { user: string; password: string; database: string };
    expect(connection).toMatchObject({ id: 'cp-one', mode: 'database', database: 'kryonix_cliente_cp_one', user: 'cliente_cp_one_user', password: after });
    await (await connectAs(connection.user, connection.password, connection.database)).end();
  });

  it('/metrics exports the per-tenant gauges the generated alert rules use', async () => {
    const client = await connectAs('cliente_cp_one_user', await password('cp-one'), 'kryonix_cliente_cp_one');
    const sleeping = client.query('SELECT pg_sleep(1.5)');
    try {
      await new Promise((r) => setTimeout(r, 300));
      await server.app.get(TenantMetrics).refresh();
      const res = await fetch(`${server.url}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      const value = (metric: string) => Number(new RegExp(`^${metric}\\{tenant="cp-one"\\} (\\S+)$`, 'm').exec(text)?.[1]);
      expect(value('kryonix_tenant_connections')).toBe(1);
      expect(value('kryonix_tenant_longest_query_seconds')).toBeGreaterThan(0.1);
      expect(value('kryonix_tenant_storage_bytes')).toBeGreaterThan(1_000_000);
      expect(value('kryonix_tenant_storage_quota_bytes')).toBe(5 * 1024 ** 3);
      expect(text).toMatch(/^kryonix_tenants\{status="active"\} \d+$/m);
      expect(text).toMatch(/kryonix_tenant_storage_bytes\{tenant="cp-page-c"\} [1-9]/); // schema mode: sum of its schemas
      // per server: the registry's own holds every tenant here
      expect(text).toMatch(/^kryonix_server_up\{server="default"\} 1$/m);
      expect(Number(/^kryonix_server_tenants\{server="default"\} (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(2);
      expect(Number(/^kryonix_server_storage_bytes\{server="default"\} (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(1_000_000);
      expect(Number(/^kryonix_server_connections\{server="default"\} (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(0);
    } finally {
      await sleeping;
      await client.end();
    }
  });

  it('delete keeps the data for the grace period, then the worker purges it; ?purge=true drops everything now', async () => {
    const soft = await call('DELETE', '/v1/tenants/cp-page-a');
    expect(soft.body).toMatchObject({ id: 'cp-page-a', status: 'deleting' });
    expect((await footprint('cp-page-a')).schemas).toEqual(['cp_page_a_financeiro']);
    expect(await canLogin('cp-page-a', 'kryonix_tenants')).toBe(false);
    expect((await call('POST', '/v1/tenants/cp-page-a/api-keys')).status).toBe(409);
    expect((await call('POST', '/v1/tenants/cp-page-a/resume')).body.error.code).toBe('TENANT_STATE');
    // grace 0 here: the purge is due, so there is no way back any more
    const late = await call('POST', '/v1/tenants/cp-page-a/undelete');
    expect(late.status).toBe(409);
    expect(late.body.error.message).toBe('Tenant "cp-page-a" is past its grace period (its purge is due); cannot undelete.');
    expect((await call('PUT', '/v1/tenants/cp-page-a/modules', { modules: ['crm'] })).status).toBe(409);
    await server.app.get(PurgeWorker).tick(); // queues a purge job; the job worker runs it
    const gone = { databases: [], roles: [], schemas: [], registry: { clientes: 0, tenant_module_migrations: 0, api_keys: 0 }, files: false };
    const deadline = Date.now() + 10_000;
    while (JSON.stringify(await footprint('cp-page-a')) !== JSON.stringify(gone) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await footprint('cp-page-a')).toEqual(gone);
    const purgeJobs = await withAdmin(async (c) => (await c.query(`SELECT status, attempts FROM tenant_management.jobs WHERE kind = 'purge_tenant' AND tenant_id = 'cp-page-a'`)).rows, registry());
    expect(purgeJobs).toEqual([{ status: 'succeeded', attempts: 1 }]);

    expect((await call('DELETE', '/v1/tenants/cp-one?purge=true')).body).toEqual({ id: 'cp-one', status: 'purged' });
    expect(await footprint('cp-one')).toEqual({ databases: [], roles: [], schemas: [], registry: { clientes: 0, tenant_module_migrations: 0, api_keys: 0 }, files: false });
    expect((await call('GET', '/v1/tenants/cp-one')).status).toBe(404);
  });

  it('publishes every lifecycle event on Redis channel kryonix:tenants within 1 s', async () => {
    events.length = 0;
    await call('POST', '/v1/tenants', { id: 'cp-events', name: 'Events', modules: ['crm'], mode: 'schema' });
    await call('POST', '/v1/tenants/cp-events/suspend');
    await call('POST', '/v1/tenants/cp-events/resume');
    await call('POST', '/v1/tenants/cp-events/api-keys');
    await call('POST', '/v1/tenants/cp-events/credentials');
    await call('PUT', '/v1/tenants/cp-events/modules', { modules: ['crm', 'whatsapp'] });
    await call('DELETE', '/v1/tenants/cp-events?purge=true');
    const expected = ['TenantProvisioned', 'TenantSuspended', 'TenantResumed', 'TenantKeyRotated', 'TenantCredentialsRotated', 'TenantModulesChanged', 'TenantDeleted'];
    await eventually(() => events.length >= expected.length);
    expect(events.map((e) => e.type)).toEqual(expected);
    expect(events.every((e) => e.tenantId === 'cp-events')).toBe(true);
  });

  it('keeps serving when Redis goes away', async () => {
    await redis.stop();
    const res = await call('POST', '/v1/tenants', { id: 'cp-noredis', name: 'No Redis', modules: ['crm'], mode: 'schema' });
    expect(res.status).toBe(201);
    expect((await call('POST', '/v1/tenants/cp-noredis/suspend')).status).toBe(200);
  });

  it('answers 423 while another operation holds the tenant', async () => {
    await call('POST', '/v1/tenants', { id: 'cp-busy', name: 'Busy', modules: ['crm'], mode: 'schema' });
    await withAdmin(async (c) => {
      await c.query(`SELECT pg_advisory_lock(${0x4b525958}, hashtext('cp-busy'))`);
      expect(await call('POST', '/v1/tenants/cp-busy/suspend')).toMatchObject({ status: 423, body: { error: { code: 'TENANT_BUSY' } } });
      await c.query(`SELECT pg_advisory_unlock(${0x4b525958}, hashtext('cp-busy'))`);
    }, registry());
    expect((await call('POST', '/v1/tenants/cp-busy/suspend')).status).toBe(200);
  });

  it('logs every request as JSON with the token redacted and no API key or password', async () => {
    const { body } = await call('POST', '/v1/tenants/cp-busy/api-keys');
    await call('POST', '/v1/tenants/cp-busy/credentials');
    const text = logLines.join('');
    const lines = logLines.map((l) => JSON.parse(l) as { req?: { url: string; headers: Record<string, string> } });
    expect(lines.some((l) => l.req?.url === '/v1/tenants/cp-busy/api-keys' && l.req.headers.authorization === '[redacted]')).toBe(true);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(body.apiKey);
    expect(text).not.toContain(await password('cp-busy'));
  });

  it('over TCP the actor stays "operator": a claimed X-Kryonix-Actor is only kept in the details', async () => {
    const res = await fetch(`${server.url}/v1/tenants/cp-busy/credentials`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'x-kryonix-actor': 'cli:mallory' } });
    expect(res.status).toBe(200);
    const row = await withAdmin(async (c) => (await c.query(`SELECT actor, details FROM tenant_management.audit_log WHERE target = 'cp-busy' ORDER BY id DESC LIMIT 1`)).rows[0], registry());
    expect(row.actor).toBe('operator');
    expect(row.details).toMatchObject({ claimedActor: 'cli:mallory' });
  });

  it('writes an audit row per mutating call, successes and failures', async () => {
    const rows = await withAdmin(async (c) => (await c.query(`SELECT action, door, target, outcome, status_code FROM tenant_management.audit_log ORDER BY id`)).rows, registry());
    expect(rows).toEqual(
      expect.arrayContaining([
        { action: 'tenant.create', door: 'http', target: 'cp-one', outcome: 'success', status_code: 201 },
        { action: 'tenant.create', door: 'http', target: 'cp-one', outcome: 'failure', status_code: 409 },
        { action: 'tenant.suspend', door: 'http', target: 'cp-one', outcome: 'success', status_code: 200 },
        { action: 'tenant.purge', door: 'http', target: 'cp-one', outcome: 'success', status_code: 200 },
        { action: 'tenant.suspend', door: 'http', target: 'cp-nope', outcome: 'failure', status_code: 404 },
      ]),
    );
    expect(rows.filter((r) => r.action.startsWith('GET'))).toHaveLength(0);
    expect(JSON.stringify(rows)).not.toMatch(/sk_cp-one_[0-9a-f]{32}/);
  });
});
