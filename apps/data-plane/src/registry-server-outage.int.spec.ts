import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSelfSignedCertificate } from '@kryonix/platform';
import { AddServerCommand, SuspendTenantCommand } from '@kryonix/tenants';
import { ExtraPostgres, TestCore, TestEnv, createTestEnv, httpsRequest, startExtraPostgres } from '@kryonix/testing';
import { DataPlaneServer, startDataPlane } from './server';

/**
 * The registry's own server is no single point of failure for tenant traffic. The registry
 * (and `default`) lives on a PostgreSQL of its own; tenants live on another registered
 * server. With the registry's server stopped, tenants this data plane served before are
 * served on from their last known routes (their keys checked), tenants it never saw get
 * 503, /readyz stays 200 saying so, and the metrics too; once the registry is back, a
 * change made there (a suspension) takes effect again.
 */
const ROUTE_TTL_MS = 500;
let registryServer: ExtraPostgres;
let tenantServer: ExtraPostgres;
let env: TestEnv;
let core: TestCore;
let server: DataPlaneServer;
let ca: string;
const keys: Record<string, string> = {};

beforeAll(async () => {
  [registryServer, tenantServer] = await Promise.all([startExtraPostgres('dp-registry'), startExtraPostgres('dp-tenants')]);
  env = await createTestEnv('registry-server', { databaseUrl: registryServer.url });
  core = await env.open();
  await core.commands.execute(new AddServerCommand({ name: 'pg-t', adminUrl: tenantServer.url }));
  for (const [id, mode, on] of [
    ['rs-db', 'database', 'pg-t'],
    ['rs-sc', 'schema', 'pg-t'],
    ['rs-later', 'database', 'pg-t'],
    ['rs-home', 'schema', 'default'],
  ] as const) {
    keys[id] = (await core.provisioner.create({ id, name: id, modules: ['crm'], mode, server: on })).apiKey!;
  }
  const tls = await ensureSelfSignedCertificate(join(env.home, 'tls'), 'kryonix.test');
  ca = readFileSync(tls.cert, 'utf8');
  server = await startDataPlane({
    env: { ...env.env, KRYONIX_TLS_CERT: tls.cert, KRYONIX_TLS_KEY: tls.key, KRYONIX_LOG_LEVEL: 'silent', KRYONIX_ACQUIRE_TIMEOUT_MS: '1000', KRYONIX_ROUTE_TTL_MS: String(ROUTE_TTL_MS) },
    port: 0,
  });
}, 120_000);
afterAll(async () => {
  await server?.close();
  await env?.cleanup();
  await Promise.all([registryServer?.destroy(), tenantServer?.destroy()]);
});

async function get(id: string, key = keys[id]!) {
  const sent = Date.now();
  const res = await httpsRequest({ port: server.port, host: `${id}.kryonix.test`, path: '/api/crm/leads', headers: { authorization: `Bearer ${key}` }, ca });
  return { ...res, ms: Date.now() - sent };
}
const readyz = () => httpsRequest({ port: server.port, host: 'localhost', path: '/readyz', ca });
const metrics = async () => (await fetch(server.metrics.url)).text();
const gauge = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);

it('with the registry\'s server stopped: known tenants on another server are served from their last routes (keys checked), never-seen ones get 503, /readyz and metrics say so; back, a suspension takes effect', async () => {
  for (const id of ['rs-db', 'rs-sc', 'rs-home']) expect((await get(id)).status).toBe(200);
  expect(await readyz()).toMatchObject({ status: 200, body: { ready: true, registry: 'ok', staleRoutes: 0 } });
  expect(gauge(await metrics(), 'kryonix_data_plane_registry_up')).toBe(1);

  await registryServer.stop();
  await new Promise((r) => setTimeout(r, ROUTE_TTL_MS + 100)); // every route past its TTL: each needs the registry now
  for (let round = 0; round < 5; round++) {
    for (const id of ['rs-db', 'rs-sc']) {
      const r = await get(id);
      expect(r.status).toBe(200);
      expect(r.ms).toBeLessThan(1_000);
    }
  }
  // the keys are checked from the last known route: another key, or none of this tenant's, is refused as before
  expect((await get('rs-db', keys['rs-sc'])).status).toBe(403);
  expect((await get('rs-db', `sk_rs-db_${'0'.repeat(32)}`)).status).toBe(401);
  // never seen here: nothing to serve it from
  const unseen = await get('rs-later');
  expect(unseen).toMatchObject({ status: 503, headers: expect.objectContaining({ 'retry-after': '1' }), body: { error: expect.objectContaining({ code: 'UNAVAILABLE' }) } });
  expect(unseen.ms).toBeLessThan(1_500);
  // a tenant on the registry's own server: its route is known, its server is down
  expect((await get('rs-home')).status).toBe(503);

  const ready = await readyz();
  expect(ready.status).toBe(200); // stays in the load balancer: it still serves what it knows
  expect(ready.body).toMatchObject({ ready: true, registry: 'unreachable', staleRoutes: 3, registryUnreachableSince: expect.any(String) });
  const during = await metrics();
  expect(gauge(during, 'kryonix_data_plane_registry_up')).toBe(0);
  expect(gauge(during, 'kryonix_data_plane_stale_routes')).toBe(3);
  expect(gauge(during, 'kryonix_data_route_cache{result="stale_hit"}')).toBeGreaterThanOrEqual(10);

  await registryServer.start();
  const deadline = Date.now() + 10_000;
  let later = await get('rs-later');
  while (later.status !== 200 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    later = await get('rs-later');
  }
  expect(later.status).toBe(200);
  expect(await readyz()).toMatchObject({ status: 200, body: { registry: 'ok', staleRoutes: 0 } });
  expect(gauge(await metrics(), 'kryonix_data_plane_registry_up')).toBe(1);
  expect((await get('rs-home')).status).toBe(200);

  await core.commands.execute(new SuspendTenantCommand('rs-db'));
  const until = Date.now() + 5_000;
  let suspended = await get('rs-db');
  while (suspended.status !== 403 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    suspended = await get('rs-db');
  }
  expect(suspended.body.error.code).toBe('TENANT_SUSPENDED');
  expect((await get('rs-sc')).status).toBe(200);
});
