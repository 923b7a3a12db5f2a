import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSelfSignedCertificate } from '@kryonix/platform';
import { createTestEnv, httpsRequest, TestEnv, type TestCore } from '@kryonix/testing';
import { RouteCache } from './routing/route-cache';
import { DataPlaneServer, startDataPlane } from './server';

/** Requests for subdomains the registry does not know (made-up hosts), without Redis: only the in-process caches. */
const UNKNOWN_TTL_MS = 1500;
let env: TestEnv;
let core: TestCore;
let server: DataPlaneServer;
let ca: string;
let knownKey: string;

beforeAll(async () => {
  env = await createTestEnv('unknown');
  core = await env.open();
  knownKey = (await core.provisioner.create({ id: 'ut-known', name: 'ut-known', modules: ['crm'], mode: 'schema' })).apiKey!;
  const tls = await ensureSelfSignedCertificate(join(env.home, 'tls'), 'kryonix.test');
  ca = readFileSync(tls.cert, 'utf8');
  server = await startDataPlane({
    env: { ...env.env, KRYONIX_TLS_CERT: tls.cert, KRYONIX_TLS_KEY: tls.key, KRYONIX_LOG_LEVEL: 'silent', KRYONIX_ROUTE_TTL_MS: '60000', KRYONIX_UNKNOWN_TENANT_TTL_MS: String(UNKNOWN_TTL_MS) },
    port: 0,
  });
});
afterAll(async () => {
  await server?.close();
  await env?.cleanup();
});

const get = (tenant: string, key: string) => httpsRequest({ port: server.port, host: `${tenant}.kryonix.test`, path: '/api/crm/leads', headers: { authorization: `Bearer ${key}` }, ca });
const routes = () => server.app.get(RouteCache);

it('a made-up subdomain costs one registry read per unknown-name TTL, however many requests ask for it at once or in turn', async () => {
  const before = routes().registryReads;
  const started = Date.now();
  const statuses = [...(await Promise.all(Array.from({ length: 50 }, () => get('ut-ghost', knownKey)))).map((r) => r.status)];
  for (let i = 0; i < 20; i++) statuses.push((await get('ut-ghost', knownKey)).status);
  const elapsed = Date.now() - started;
  expect(new Set(statuses)).toEqual(new Set([404]));
  // one read, plus one more per TTL if this slow machine took longer than that
  expect(routes().registryReads - before).toBeLessThanOrEqual(1 + Math.floor(elapsed / UNKNOWN_TTL_MS));
  expect(routes().unknownHits).toBeGreaterThanOrEqual(19);
});

it('a flood of made-up subdomains is remembered apart from the routes: a real tenant stays cached and served', async () => {
  expect((await get('ut-known', knownKey)).status).toBe(200);
  const names = Array.from({ length: 300 }, (_, i) => `ut-flood-${i}`);
  for (let i = 0; i < names.length; i += 50) {
    const statuses = (await Promise.all(names.slice(i, i + 50).map((n) => get(n, knownKey)))).map((r) => r.status);
    expect(new Set(statuses)).toEqual(new Set([404]));
  }
  const reads = routes().registryReads;
  expect((await get('ut-known', knownKey)).status).toBe(200);
  expect(routes().registryReads).toBe(reads); // still a cache hit
  // the names count under tenant "unknown": a Host header mints no metric series
  const metrics = await fetch(server.metrics.url).then(async (r) => ({ body: await r.text() }));
  expect(metrics.body).not.toContain('ut-flood');
  expect(metrics.body).toMatch(/kryonix_data_requests_total\{tenant="unknown",module="crm",status="404"\} (\d+)/);
});

it('a tenant created after its name was missed is served once the unknown-name TTL is over, long before the route TTL (no Redis, no event)', async () => {
  expect((await get('ut-late', knownKey)).status).toBe(404);
  const { apiKey } = await core.provisioner.create({ id: 'ut-late', name: 'ut-late', modules: ['crm'], mode: 'schema' });
  const created = Date.now();
  let status = 0;
  while (Date.now() - created < UNKNOWN_TTL_MS + 1000 && (status = (await get('ut-late', apiKey!)).status) !== 200) await new Promise((r) => setTimeout(r, 50));
  expect(status).toBe(200);
});
