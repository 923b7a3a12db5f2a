import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSelfSignedCertificate } from '@kryonix/platform';
import { createTestEnv, httpsRequest, TestEnv, withAdmin } from '@kryonix/testing';
import { DataPlaneServer, startDataPlane } from './server';

/**
 * The registry refuses connections while the tenant databases are fine: routes cached
 * before serve on until their TTL, then every tenant gets 503 with Retry-After (never a
 * 500), and serving comes back by itself once the registry takes connections again.
 */
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
  server = await startDataPlane({ env: { ...env.env, KRYONIX_ROUTE_TTL_MS: '1500', KRYONIX_TLS_CERT: tls.cert, KRYONIX_TLS_KEY: tls.key, KRYONIX_LOG_LEVEL: 'silent' }, port: 0 });
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

it('cached routes serve on, then 503 UNAVAILABLE with Retry-After for every tenant (never 500); back by itself when the registry is', async () => {
  expect((await list()).status).toBe(200); // route cached now
  await openRegistry(false);
  expect((await list()).status).toBe(200); // within the TTL: served from the cached route, the tenant database is fine
  const uncached = await other();
  expect(uncached.status).toBe(503);
  expect(uncached.body.error.code).toBe('UNAVAILABLE');
  await new Promise((r) => setTimeout(r, 1_700)); // past the TTL
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await list();
    statuses.push(r.status);
    expect(r.headers['retry-after']).toBe('1');
  }
  expect(statuses).toEqual([503, 503, 503, 503, 503]);
  const ready = await httpsRequest({ port: server.port, host: 'ro-tenant.kryonix.test', path: '/readyz', ca });
  expect(ready.status).toBe(503);
  await openRegistry(true);
  const deadline = Date.now() + 2_000;
  let after = await list();
  while (after.status !== 200 && Date.now() < deadline) after = await list();
  expect(after.status).toBe(200);
});
