import { tenantRoleName } from '@kryonix/domain';
import { createTestEnv, TestEnv } from '@kryonix/testing';
import { TenantConnections } from './pools/tenant-connections';
import { RouteCache } from './routing/route-cache';
import { DataPlaneServer, startDataPlane } from './server';

/**
 * The shared schema-mode pool gives each tenant two home connections (AffinitySlots): on a
 * real server, each tenant's requests run on at most two backends, so a backend's catalog
 * caches hold its share of the fleet, not all of it; a hot tenant still gets every free
 * connection once its homes have been busy a few milliseconds.
 * A cap of 16: a shared pool of 4 connections for 12 tenants.
 */
const TENANTS = Array.from({ length: 12 }, (_, i) => `aff-${String.fromCharCode(97 + i)}`);
let env: TestEnv;
let server: DataPlaneServer;

beforeAll(async () => {
  env = await createTestEnv('affinity');
  const core = await env.open();
  for (const id of TENANTS) await core.provisioner.create({ id, name: id, modules: ['crm'], mode: 'schema', server: 'default' });
  await core.close();
  server = await startDataPlane({
    env: { ...env.env, KRYONIX_MAX_CONNECTIONS: '16', KRYONIX_LOG_LEVEL: 'silent', KRYONIX_DATA_APPLICATION_NAME: 'kryonix-data-plane-affinity' },
    port: 0,
  });
}, 300_000);
afterAll(async () => {
  await server?.close();
  await env?.cleanup();
});

const stats = () => server.app.get(TenantConnections).byServer().find((s) => s.server === 'default')!;

/** One statement as the tenant: the backend that ran it and the role it ran as. */
async function backendOf(id: string, sleepSeconds = 0): Promise<{ pid: number; role: string }> {
  const route = (await server.app.get(RouteCache).get(id))!;
  return server.app.get(TenantConnections).withTenant(route, async (session) => {
    const { rows } = await session.query<{ pid: number; role: string }>('SELECT pg_backend_pid() AS pid, current_user AS role, pg_sleep($1)', [sleepSeconds]);
    return rows[0]!;
  });
}

it("runs each tenant's requests on at most two backends of the shared pool, as the tenant's role", async () => {
  const steals = stats().steals;
  const byTenant = new Map<string, Set<number>>();
  for (let round = 0; round < 6; round++) {
    for (const id of TENANTS) {
      const { pid, role } = await backendOf(id);
      expect(role).toBe(tenantRoleName(id));
      byTenant.set(id, (byTenant.get(id) ?? new Set()).add(pid));
    }
  }
  for (const [id, pids] of byTenant) expect([id, pids.size <= 2]).toEqual([id, true]);
  // the fleet is spread over the pool: more than two backends in all, each serving only a share of the tenants
  const all = new Set([...byTenant.values()].flatMap((p) => [...p]));
  expect(all.size).toBeGreaterThan(2);
  expect(all.size).toBeLessThanOrEqual(4);
  for (const pid of all) expect([...byTenant.values()].filter((p) => p.has(pid)).length).toBeLessThan(TENANTS.length);
  expect(stats().steals).toBe(steals);
  expect(stats().total).toBeLessThanOrEqual(4);
});

it('a hot tenant is not held to its two homes: its concurrent requests use every connection, and all are its own', async () => {
  const steals = stats().steals;
  const results = await Promise.all(Array.from({ length: 12 }, () => backendOf('aff-a', 0.1)));
  for (const r of results) expect(r.role).toBe(tenantRoleName('aff-a'));
  expect(new Set(results.map((r) => r.pid)).size).toBeGreaterThan(2);
  expect(stats().steals).toBeGreaterThan(steals);
  expect(stats().waiting).toBe(0);
  // the metrics say how many there were
  expect(await (await fetch(server.metrics.url)).text()).toContain(`kryonix_data_pool_steals{server="default"} ${stats().steals}`);
});
