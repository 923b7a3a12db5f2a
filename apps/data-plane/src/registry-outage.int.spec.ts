import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSelfSignedCertificate } from '@kryonix/platform';
import { createTestEnv, httpsRequest, TestEnv, withAdmin } from '@kryonix/testing';
import { DataPlaneServer, startDataPlane } from './server';

/**
 * The registry refuses connections while the tenant databases are fine: routes cached
 * before serve on past their TTL as last known routes, for KRYONIX_ROUTE_STALE_MAX from
 * their last read (never a 500); a tenant never seen gets 503 with Retry-After at once, and
 * so does a known one once its last read is older than that. /readyz stays 200 while
 * routes are served stale, 503 once none are. Serving comes back by itself once the
 * registry takes connections again. (Before the registry could be away without stopping
 * tenant traffic, every tenant got 503 once its TTL was over.)
 */
const ROUTE_TTL_MS = 1_500;
const STALE_MAX_S = 3;
let env: TestEnv;
let server: DataPlaneServer;
let ca: string;
let key: string;
let registryOpen = true;

beforeAll(async () => {
  env = await createTestEnv('registry-outage');
  const core = await env.open();
  key = (await core.provisioner.create({ id: 'ro-tenant', name: 'Registry outage', modules: ['crm'], mode: 'schema' })).apiKey!;
  const tls = await ensureSelfSignedCertificate(join(env.home, 'tls'), 'kryonix.test');
  ca = readFileSync(tls.cert, 'utf8');
  server = await startDataPlane({ env: { ...env.env, KRYONIX_ROUTE_TTL_MS: String(ROUTE_TTL_MS), KRYONIX_ROUTE_STALE_MAX: String(STALE_MAX_S), KRYONIX_TLS_CERT: tls.cert, KRYONIX_TLS_KEY: tls.key, KRYONIX_LOG_LEVEL: 'silent' }, port: 0 });
});
afterAll(async () => {
  if (!registryOpen) await openRegistry(true);
  await server?.close();
  await env?.cleanup();
});

/** ALLOW_CONNECTIONS on the registry database; closing it also ends the sessions already there. */
async function openRegistry(open: boolean): Promise<void> {
  await withAdmin(async (c) => {
    await c.query(`ALTER DATABASE "${env.config.registryDatabase}" WITH ALLOW_CONNECTIONS ${open ? 'true' : 'false'}`);
    if (!open) await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [env.config.registryDatabase]);
  });
  registryOpen = open;
}

const list = () => httpsRequest({ port: server.port, host: 'ro-tenant.kryonix.test', path: '/api/crm/leads', headers: { authorization: `Bearer ${key}` }, ca });
const other = () => httpsRequest({ port: server.port, host: 'ro-unknown.kryonix.test', path: '/api/crm/leads', headers: { authorization: `Bearer ${key}` }, ca });

const readyz = () => httpsRequest({ port: server.port, host: 'ro-tenant.kryonix.test', path: '/readyz', ca });

it('known routes serve on past their TTL for KRYONIX_ROUTE_STALE_MAX, unknown tenants get 503 UNAVAILABLE with Retry-After (never 500); back by itself when the registry is', async () => {
  expect((await list()).status).toBe(200); // route read now
  const read = Date.now();
  await openRegistry(false);
  expect((await list()).status).toBe(200); // within the TTL: served from the cached route, the tenant database is fine
  const uncached = await other();
  expect(uncached.status).toBe(503);
  expect(uncached.body.error.code).toBe('UNAVAILABLE');
  expect(uncached.headers['retry-after']).toBe('1');
  await new Promise((r) => setTimeout(r, ROUTE_TTL_MS + 200 - (Date.now() - read))); // past the TTL
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await list()).status);
  expect(statuses).toEqual([200, 200, 200, 200, 200]); // its last known route
  const stale = await readyz();
  expect(stale).toMatchObject({ status: 200, body: { ready: true, registry: 'unreachable', staleRoutes: 1 } });

  await new Promise((r) => setTimeout(r, STALE_MAX_S * 1000 + 200 - (Date.now() - read))); // past the stale limit
  const expired: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await list();
    expired.push(r.status);
    expect(r.headers['retry-after']).toBe('1');
    expect(r.body.error.code).toBe('UNAVAILABLE');
  }
  expect(expired).toEqual([503, 503, 503]);
  expect(await readyz()).toMatchObject({ status: 503, body: { ready: false, registry: 'unreachable', staleRoutes: 0 } });

  await openRegistry(true);
  const deadline = Date.now() + 3_000;
  let after = await list();
  while (after.status !== 200 && Date.now() < deadline) after = await list();
  expect(after.status).toBe(200);
  expect((await readyz()).status).toBe(200);
});
