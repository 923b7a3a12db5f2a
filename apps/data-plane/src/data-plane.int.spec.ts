import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { ensureSelfSignedCertificate } from '@kryonix/platform';
import { ResumeTenantCommand, RotateApiKeyCommand, SuspendTenantCommand } from '@kryonix/tenants';
import { createTestEnv, httpsRequest, rawRequest, startRedis, TestEnv, TestRedis, withAdmin, type TestCore } from '@kryonix/testing';
import Redis from 'ioredis';
import { DataPlaneServer, startDataPlane } from './server';

let env: TestEnv;
let core: TestCore;
let redis: TestRedis;
let publisher: Redis;
let server: DataPlaneServer;
/** A second data plane on the same registry and Redis: events must reach every process. */
let other: DataPlaneServer;
let ca: string;
const keys: Record<string, string> = {};
const METRICS_TOKEN = 'test-metrics-token-0123456789';

beforeAll(async () => {
  env = await createTestEnv('dp');
  redis = await startRedis();
  publisher = new Redis(redis.url);
  const tls = await ensureSelfSignedCertificate(join(env.home, 'tls'), 'kryonix.test');
  ca = readFileSync(tls.cert, 'utf8');
  core = await env.open();
  for (const [id, modules, mode] of [
    ['dp-alpha', ['crm', 'agendamento'], 'schema'],
    ['dp-beta', ['crm'], 'schema'],
    ['dp-gamma', ['crm', 'financeiro'], 'database'],
  ] as const) {
    keys[id] = (await core.provisioner.create({ id, name: id, modules: [...modules], mode })).apiKey!;
  }
  const serverEnv = { ...env.env, REDIS_URL: redis.url, KRYONIX_TLS_CERT: tls.cert, KRYONIX_TLS_KEY: tls.key, KRYONIX_LOG_LEVEL: 'silent', KRYONIX_ROUTE_TTL_MS: '60000', KRYONIX_UNKNOWN_TENANT_TTL_MS: '60000' };
  server = await startDataPlane({ env: serverEnv, port: 0 });
  other = await startDataPlane({ env: serverEnv, port: 0 });
});
afterAll(async () => {
  await server?.close();
  await other?.close();
  publisher?.disconnect();
  await redis?.stop();
  await env.cleanup();
});

const api = (tenant: string, path: string, init: { method?: string; key?: string | null; body?: unknown; header?: 'bearer' | 'x-api-key'; via?: DataPlaneServer } = {}) => {
  const key = init.key === undefined ? keys[tenant] : init.key;
  const headers: Record<string, string> = {};
  if (key) headers[init.header === 'x-api-key' ? 'x-api-key' : 'authorization'] = init.header === 'x-api-key' ? key : `Bearer ${key}`;
  return httpsRequest({ port: (init.via ?? server).port, host: `${tenant}.kryonix.test`, method: init.method, path, headers, body: init.body, ca });
};

/** Tells the data planes, as the control plane does, that a tenant changed. */
const announce = (tenantId: string, type: string) => publisher.publish('kryonix:tenants', JSON.stringify({ type, tenantId, at: new Date().toISOString() }));

const scrape = async () => (await fetch(server.metrics.url)).text();

/** kryonix_data_requests_total of one series in a /metrics text (0 when absent). */
function requestCount(metrics: string, tenant: string, module: string, status: number): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`kryonix_data_requests_total{tenant="${tenant}",module="${module}",status="${status}"} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

async function within(ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('access', () => {
  it('serves a tenant over HTTPS with Bearer or X-API-Key', async () => {
    expect((await api('dp-alpha', '/api/crm/leads')).status).toBe(200);
    expect((await api('dp-alpha', '/api/crm/leads', { header: 'x-api-key' })).status).toBe(200);
    expect((await api('dp-gamma', '/api/financeiro/planos')).status).toBe(200);
  });

  it('401 missing or invalid key, 404 unknown tenant, 403 key of another tenant, 404 module not bought', async () => {
    expect(await api('dp-alpha', '/api/crm/leads', { key: null })).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
    expect((await api('dp-alpha', '/api/crm/leads', { key: 'sk_dp-alpha_00000000000000000000000000000000' })).status).toBe(401);
    expect((await api('dp-alpha', '/api/crm/leads', { key: 'not-a-key' })).status).toBe(401);
    expect(await api('dp-nobody', '/api/crm/leads', { key: keys['dp-alpha'] })).toMatchObject({ status: 404, body: { error: { code: 'TENANT_NOT_FOUND' } } });
    // every cross-tenant combination of key and subdomain is refused
    for (const host of Object.keys(keys)) {
      for (const owner of Object.keys(keys)) {
        if (host === owner) continue;
        expect([host, owner, (await api(host, '/api/crm/leads', { key: keys[owner] })).status]).toEqual([host, owner, 403]);
      }
    }
    // a module another tenant bought, but not this one
    expect(await api('dp-beta', '/api/agendamento/consultas')).toMatchObject({ status: 404, body: { error: { code: 'MODULE_NOT_AVAILABLE' } } });
    expect((await api('dp-alpha', '/api/financeiro/planos')).status).toBe(404);
    expect((await api('dp-gamma', '/api/agendamento/consultas')).status).toBe(404);
    expect((await api('dp-alpha', '/api/crm/nope')).status).toBe(404);
    expect((await api('dp-alpha', '/api/estoque/items')).status).toBe(404);
  });

  it('a suspension takes effect on every data plane within 1 s (Redis event), and so does the resume', async () => {
    for (const via of [server, other]) expect((await api('dp-beta', '/api/crm/leads', { via })).status).toBe(200); // both have the route cached (TTL 60 s)
    await core.commands.execute(new SuspendTenantCommand('dp-beta'));
    await announce('dp-beta', 'TenantSuspended');
    const started = Date.now();
    await within(1000, async () => (await api('dp-beta', '/api/crm/leads')).status === 403);
    await within(1000 - (Date.now() - started), async () => (await api('dp-beta', '/api/crm/leads', { via: other })).status === 403);
    expect((await api('dp-beta', '/api/crm/leads', { via: other })).body.error.code).toBe('TENANT_SUSPENDED');
    await core.commands.execute(new ResumeTenantCommand('dp-beta'));
    await announce('dp-beta', 'TenantResumed');
    await within(1000, async () => (await api('dp-beta', '/api/crm/leads')).status === 200 && (await api('dp-beta', '/api/crm/leads', { via: other })).status === 200);
  });

  it('shares resolved routes through Redis (kryonix:route:<id>) so other data planes skip the registry', async () => {
    await api('dp-gamma', '/api/crm/leads');
    const shared = JSON.parse((await publisher.get('kryonix:route:dp-gamma'))!);
    expect(shared.route).toMatchObject({ id: 'dp-gamma', mode: 'database', database: 'kryonix_cliente_dp_gamma', status: 'active' });
    expect(JSON.stringify(shared)).not.toContain(keys['dp-gamma']!); // hashes only
    expect(await publisher.pttl('kryonix:route:dp-gamma')).toBeGreaterThan(0);
  });

  it('a tenant created after its name was missed is served at once on its TenantProvisioned event', async () => {
    expect((await api('dp-late', '/api/crm/leads', { key: keys['dp-alpha'] })).status).toBe(404); // remembered as unknown for 60 s
    keys['dp-late'] = (await core.provisioner.create({ id: 'dp-late', name: 'dp-late', modules: ['crm'], mode: 'schema' })).apiKey!;
    await announce('dp-late', 'TenantProvisioned');
    await within(1000, async () => (await api('dp-late', '/api/crm/leads')).status === 200);
  });

  it('a rotated key stops working on every data plane within 1 s; the new one works', async () => {
    for (const via of [server, other]) expect((await api('dp-beta', '/api/crm/leads', { via })).status).toBe(200);
    const { apiKey } = await core.commands.execute(new RotateApiKeyCommand('dp-beta'));
    await announce('dp-beta', 'TenantKeyRotated');
    await within(1000, async () => (await api('dp-beta', '/api/crm/leads')).status === 401 && (await api('dp-beta', '/api/crm/leads', { via: other })).status === 401);
    keys['dp-beta'] = apiKey;
    for (const via of [server, other]) expect((await api('dp-beta', '/api/crm/leads', { via })).status).toBe(200);
  });
});

describe('module REST API', () => {
  it('creates (201 with the row), gets, lists with filters, pages with a cursor, updates and deletes', async () => {
    const created = await api('dp-alpha', '/api/crm/leads', { method: 'POST', body: { nome: 'Maria Silva', telefone: '11999990000', status: 'novo', score: 80, orcamento: 1500.5 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ nome: 'Maria Silva', status: 'novo', score: 80, orcamento: '1500.50', dispositivo_origem: 'mobile' });
    const id = created.body.id as string;
    expect((await api('dp-alpha', `/api/crm/leads/${id}`)).body.nome).toBe('Maria Silva');
    for (let i = 0; i < 5; i++) await api('dp-alpha', '/api/crm/leads', { method: 'POST', body: { nome: `Lead ${i}`, status: 'qualificado' } });
    const filtered = await api('dp-alpha', '/api/crm/leads?status=qualificado&limit=2');
    expect(filtered.body.items).toHaveLength(2);
    const page2 = await api('dp-alpha', `/api/crm/leads?status=qualificado&limit=2&cursor=${filtered.body.nextCursor}`);
    const page3 = await api('dp-alpha', `/api/crm/leads?status=qualificado&limit=2&cursor=${page2.body.nextCursor}`);
    const seen = [...filtered.body.items, ...page2.body.items, ...page3.body.items].map((r: { nome: string }) => r.nome).sort();
    expect(seen).toEqual(['Lead 0', 'Lead 1', 'Lead 2', 'Lead 3', 'Lead 4']);
    expect(page3.body.nextCursor).toBeNull();
    const ordered = await api('dp-alpha', '/api/crm/leads?order=created_at&limit=1');
    expect(ordered.body.items[0].nome).toBe('Maria Silva');
    const newest = await api('dp-alpha', '/api/crm/leads?order=-created_at&limit=1');
    expect(newest.body.items[0].nome).toBe('Lead 4');
    expect((await api('dp-alpha', '/api/crm/leads?order=nome')).body.error.message).toContain('Cannot order crm.leads by "nome"');
    const before = (await api('dp-alpha', `/api/crm/leads/${id}`)).body;
    await new Promise((r) => setTimeout(r, 20));
    const patched = await api('dp-alpha', `/api/crm/leads/${id}`, { method: 'PATCH', body: { status: 'cliente' } });
    expect(patched).toMatchObject({ status: 200, body: { status: 'cliente', nome: 'Maria Silva', created_at: before.created_at } });
    // the manifest's updatedAt column moves with every change (timestamps come back as stored text)
    expect(patched.body.updated_at > before.updated_at).toBe(true);
    expect((await api('dp-alpha', `/api/crm/leads/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api('dp-alpha', `/api/crm/leads/${id}`)).status).toBe(404);
  });

  it('lists 50 rows when no limit is given, with a cursor to the rest', async () => {
    await withAdmin((c) => c.query(`INSERT INTO crm.leads (nome) SELECT 'Bulk ' || g FROM generate_series(1, 60) g`), 'kryonix_cliente_dp_gamma');
    const first = await api('dp-gamma', '/api/crm/leads');
    expect(first.body.items).toHaveLength(50);
    const rest = await api('dp-gamma', `/api/crm/leads?limit=100&cursor=${first.body.nextCursor}`);
    expect(rest.body.items).toHaveLength(10);
    expect(rest.body.nextCursor).toBeNull();
  });

  it('validates bodies and queries with messages an app developer can act on', async () => {
    const unknown = await api('dp-alpha', '/api/crm/leads', { method: 'POST', body: { nome: 'x', bogus: 1 } });
    expect(unknown).toMatchObject({ status: 400, body: { error: { code: 'INVALID_INPUT' } } });
    expect(unknown.body.error.message).toContain('Unknown field "bogus"');
    expect((await api('dp-alpha', '/api/crm/leads', { method: 'POST', body: { email: 'a@b.c' } })).body.error.message).toContain('Missing required field: nome');
    expect((await api('dp-alpha', '/api/crm/leads', { method: 'POST', body: { nome: 'x', score: 'lots' } })).body.error.message).toContain('"score" must be an integer');
    expect((await api('dp-alpha', '/api/crm/leads', { method: 'POST', body: { nome: 'x'.repeat(300) } })).body.error.message).toContain('at most 255 characters');
    expect((await api('dp-alpha', '/api/crm/leads?limit=101')).status).toBe(400);
    expect((await api('dp-alpha', '/api/crm/leads?nome=x')).body.error.message).toContain('Cannot filter crm.leads by "nome"');
    expect((await api('dp-alpha', '/api/crm/leads/not-a-uuid')).status).toBe(400);
    expect((await api('dp-alpha', '/api/crm/leads?cursor=garbage')).status).toBe(400);
  });

  it('409 on a unique violation (two consultas at the same professional, date and start), 422 on a missing reference', async () => {
    const prof = await api('dp-alpha', '/api/agendamento/profissionais', { method: 'POST', body: { nome: 'Dra. Ana' } });
    expect(prof.status).toBe(201);
    const consulta = { profissional_id: prof.body.id, cliente_nome: 'João', cliente_telefone: '11988887777', data_consulta: '2026-12-01', hora_inicio: '14:00', hora_fim: '14:30' };
    const first = await api('dp-alpha', '/api/agendamento/consultas', { method: 'POST', body: consulta });
    expect(first).toMatchObject({ status: 201, body: { data_consulta: '2026-12-01', hora_inicio: '14:00:00' } });
    const again = await api('dp-alpha', '/api/agendamento/consultas', { method: 'POST', body: consulta });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'ROW_CONFLICT' } } });
    expect(again.body.error.message).toContain('unique_profissional_datetime');
    const orphan = await api('dp-alpha', '/api/agendamento/consultas', { method: 'POST', body: { ...consulta, profissional_id: '00000000-0000-0000-0000-000000000000', hora_inicio: '15:00' } });
    expect(orphan).toMatchObject({ status: 422, body: { error: { code: 'UNPROCESSABLE' } } });
  });

  it('a tenant only ever sees its own rows, whichever connection serves it', async () => {
    await api('dp-beta', '/api/crm/leads', { method: 'POST', body: { nome: 'Only Beta' } });
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => api(i % 2 ? 'dp-alpha' : 'dp-beta', '/api/crm/leads?limit=100')));
    for (const [i, r] of results.entries()) {
      const names = r.body.items.map((x: { nome: string }) => x.nome);
      if (i % 2) expect(names).not.toContain('Only Beta');
      else expect(names).toEqual(['Only Beta']);
    }
  });

  it('a connection whose request failed mid-way (409, 422 from PostgreSQL) never serves another tenant with the failed tenant\'s role or schemas', async () => {
    const own = async (tenant: string) => (await api(tenant, '/api/crm/leads?limit=100')).body.items.map((r: { id: string }) => r.id).sort();
    const [alphaRows, betaRows] = [await own('dp-alpha'), await own('dp-beta')];
    const prof = await api('dp-alpha', '/api/agendamento/profissionais', { method: 'POST', body: { nome: 'Dr. Erro' } });
    const consulta = { profissional_id: prof.body.id, cliente_nome: 'Ana', cliente_telefone: '11900000000', data_consulta: '2026-12-02', hora_inicio: '09:00', hora_fim: '09:30' };
    expect((await api('dp-alpha', '/api/agendamento/consultas', { method: 'POST', body: consulta })).status).toBe(201);
    const failing = (i: number) =>
      i % 2
        ? api('dp-alpha', '/api/agendamento/consultas', { method: 'POST', body: consulta }) // 409
        : api('dp-alpha', '/api/agendamento/consultas', { method: 'POST', body: { ...consulta, profissional_id: '00000000-0000-0000-0000-000000000000' } }); // 422
    // the shared schema-mode pool: failures of dp-alpha interleaved with reads of both tenants
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? failing(i) : own(i % 3 === 1 ? 'dp-beta' : 'dp-alpha'))));
    for (const [i, r] of results.entries()) {
      if (i % 3 === 0) expect([409, 422]).toContain((r as { status: number }).status);
      else expect(r).toEqual(i % 3 === 1 ? betaRows : alphaRows);
    }
  });
});

describe('operations', () => {
  it('/healthz and /readyz on the tenant port; /metrics only on the metrics listener, bound to loopback', async () => {
    expect(server.metrics.url).toBe(`http://127.0.0.1:${server.metrics.port}/metrics`);
    expect(server.metrics.port).not.toBe(server.port);
    const metrics = await fetch(server.metrics.url);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await metrics.text();
    for (const name of ['kryonix_data_requests_total{tenant="dp-alpha",module="crm",status="201"}', 'kryonix_data_request_duration_seconds_bucket', 'kryonix_data_pool_connections{server="default",state="idle"}', 'kryonix_data_route_cache{result="hit"}', 'kryonix_auth_failures_total{surface="metrics"} 0']) {
      expect(text).toContain(name);
    }
    // the tenant-facing port has no /metrics, whatever the Host
    for (const host of ['localhost', 'anything.kryonix.test', 'dp-alpha.kryonix.test']) {
      expect(await httpsRequest({ port: server.port, host, path: '/metrics', ca })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    }
    expect(await api('dp-alpha', '/metrics')).toMatchObject({ status: 404 }); // with the tenant's own key too
    expect(server.routes.some((r) => r.url === '/metrics')).toBe(false);
    expect((await fetch(server.metrics.url.replace('/metrics', '/healthz'))).status).toBe(404); // the listener serves metrics only
    expect((await httpsRequest({ port: server.port, host: 'localhost', path: '/healthz', ca })).status).toBe(200);
    expect((await httpsRequest({ port: server.port, host: 'localhost', path: '/readyz', ca })).status).toBe(200);
    // bound to loopback: another address of this machine does not answer on that port
    const outside = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    if (outside) await expect(fetch(`http://${outside}:${server.metrics.port}/metrics`)).rejects.toThrow();
  });

  it('KRYONIX_METRICS_TOKEN guards the metrics listener; a client guessing it gets 429 after 10 wrong tokens', async () => {
    const guarded = await startDataPlane({ env: { ...env.env, KRYONIX_METRICS_TOKEN: METRICS_TOKEN, KRYONIX_LOG_LEVEL: 'silent' }, port: 0 });
    try {
      const scrapeAs = (localAddress: string, token?: string) =>
        rawRequest({ port: guarded.metrics.port, method: 'GET', target: '/metrics', localAddress, headers: [['host', 'metrics'], ...(token ? [['authorization', `Bearer ${token}`] as [string, string]] : [])] });
      expect((await scrapeAs('127.0.0.21')).status).toBe(401);
      expect((await scrapeAs('127.0.0.21', METRICS_TOKEN)).status).toBe(200);
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await scrapeAs('127.0.0.22', `wrong-metrics-token-${i}`)).status);
      expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
      const blocked = await scrapeAs('127.0.0.22', METRICS_TOKEN); // the right token changes nothing now
      expect(blocked).toMatchObject({ status: 429, body: { error: { code: 'RATE_LIMITED' } } });
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(55);
      expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(60);
      const text = (await scrapeAs('127.0.0.21', METRICS_TOKEN)).body as string; // another address is served
      expect(text).toContain('kryonix_auth_failures_total{surface="metrics"} 10');
      expect(text).toContain('kryonix_auth_blocked_total{surface="metrics"} 3');
    } finally {
      await guarded.close();
    }
  });

  it('429 with Retry-After once a tenant is over its per-minute limit; other tenants unaffected', async () => {
    await withAdmin((c) => c.query(`UPDATE tenant_management.clientes SET rate_limit_per_minute = 3 WHERE id = 'dp-gamma'`), env.config.registryDatabase);
    await announce('dp-gamma', 'TenantRateLimitChanged');
    await publisher.del('kryonix:rate:dp-gamma'); // forget the requests of the earlier tests
    await new Promise((r) => setTimeout(r, 100));
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof api>> | undefined;
    for (let i = 0; i < 4; i++) {
      const r = await api('dp-gamma', '/api/crm/leads');
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(limited!.body.error.code).toBe('RATE_LIMITED');
    expect(requestCount(await scrape(), 'dp-gamma', 'crm', 429)).toBe(1);
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await api('dp-alpha', '/api/crm/leads')).status).toBe(200);
  });

  it('/metrics counts the requests the tenant guard refuses: by tenant when the registry knows it, else as tenant "unknown"', async () => {
    const before = await scrape();
    const delta = (after: string, tenant: string, module: string, status: number) => requestCount(after, tenant, module, status) - requestCount(before, tenant, module, status);
    await api('dp-alpha', '/api/crm/leads', { key: null }); // 401, refused before any lookup
    await api('dp-alpha', '/api/crm/leads', { key: 'sk_dp-alpha_00000000000000000000000000000000' }); // 401 on a known tenant
    await api('dp-alpha', '/api/crm/leads', { key: keys['dp-beta'] }); // 403 key of another tenant
    for (const host of ['dp-made-up-1', 'dp-made-up-2', 'dp-made-up-3']) await api(host, '/api/crm/leads', { key: keys['dp-alpha'] }); // 404 unknown tenant
    await api('dp-beta', '/api/financeiro/planos'); // 404 module not bought
    await core.commands.execute(new SuspendTenantCommand('dp-alpha'));
    await announce('dp-alpha', 'TenantSuspended');
    await within(1000, async () => (await api('dp-alpha', '/api/crm/leads')).status === 403); // 403 suspended
    await core.commands.execute(new ResumeTenantCommand('dp-alpha'));
    await announce('dp-alpha', 'TenantResumed');
    await within(1000, async () => (await api('dp-alpha', '/api/crm/leads')).status === 200);
    const after = await scrape();
    expect(delta(after, 'unknown', 'crm', 401)).toBe(1);
    expect(delta(after, 'dp-alpha', 'crm', 401)).toBe(1);
    expect(delta(after, 'dp-alpha', 'crm', 403)).toBeGreaterThanOrEqual(2); // the other tenant's key, then suspended
    expect(delta(after, 'unknown', 'crm', 404)).toBe(3);
    expect(delta(after, 'dp-beta', 'financeiro', 404)).toBe(1);
    expect(after).not.toContain('dp-made-up'); // made-up hosts mint no series
  });

  it('keeps serving from the registry when Redis dies', async () => {
    await redis.stop();
    await new Promise((r) => setTimeout(r, 200));
    expect((await api('dp-gamma', '/api/crm/leads')).status).toBe(200); // no Redis: no limit, still served
    expect((await api('dp-alpha', '/api/crm/leads')).status).toBe(200);
  });

  it('never uses more server connections than there are in the budget', async () => {
    const count = await withAdmin(async (c) => (await c.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'kryonix-data-plane'`)).rows[0].n);
    expect(count).toBeLessThanOrEqual(100);
  });
});
