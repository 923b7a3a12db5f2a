import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSelfSignedCertificate } from '@kryonix/platform';
import { ResumeTenantCommand, RotateApiKeyCommand, SetRateLimitCommand, SuspendTenantCommand } from '@kryonix/tenants';
import { createTestEnv, httpsRequest, TestEnv, type TestCore, withAdmin } from '@kryonix/testing';
import { DataPlaneServer, startDataPlane } from './server';
import { TenantEventsListener } from './routing/tenant-events.listener';

/**
 * Without Redis (kryonix up's default), every change still takes effect at once: the
 * control plane's events reach the data planes over PostgreSQL's LISTEN/NOTIFY, and the
 * rate limit is counted by each data-plane process. Routes are cached for 60 s here, so
 * only the events can explain a change seen within a second.
 */
let env: TestEnv;
let core: TestCore;
let ca: string;
const servers: DataPlaneServer[] = [];
const keys: Record<string, string> = {};

beforeAll(async () => {
  env = await createTestEnv('pg-events');
  core = await env.open();
  for (const id of ['ev-one', 'ev-two']) keys[id] = (await core.provisioner.create({ id, name: id, modules: ['crm'], mode: 'schema' })).apiKey!;
  const tls = await ensureSelfSignedCertificate(join(env.home, 'tls'), 'kryonix.test');
  ca = readFileSync(tls.cert, 'utf8');
  for (let i = 0; i < 2; i++) {
    servers.push(await startDataPlane({ env: { ...env.env, KRYONIX_ROUTE_TTL_MS: '60000', KRYONIX_TLS_CERT: tls.cert, KRYONIX_TLS_KEY: tls.key, KRYONIX_LOG_LEVEL: 'silent' }, port: 0 }));
  }
  for (const s of servers) expect(s.app.get(TenantEventsListener).listening).toBe(true);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await env?.cleanup();
});

const api = (id: string, server: DataPlaneServer, key = keys[id]!) =>
  httpsRequest({ port: server.port, host: `${id}.kryonix.test`, path: '/api/crm/leads', headers: { authorization: `Bearer ${key}` }, ca });

/** Polls until every data plane answers `status` for the tenant; fails after `ms`. */
async function everywhere(id: string, status: number, ms = 1_000, key?: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    const statuses = await Promise.all(servers.map((s) => api(id, s, key).then((r) => r.status)));
    if (statuses.every((s) => s === status)) return Date.now() - started;
    if (Date.now() - started > ms) throw new Error(`after ${ms} ms: ${statuses.join(', ')} (wanted ${status})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('a suspension, a resume and a key rotation reach every data plane within 1 s with no Redis', async () => {
  await everywhere('ev-one', 200); // cached for 60 s on both
  await core.commands.execute(new SuspendTenantCommand('ev-one'));
  await everywhere('ev-one', 403);
  await core.commands.execute(new ResumeTenantCommand('ev-one'));
  await everywhere('ev-one', 200);
  const old = keys['ev-one']!;
  keys['ev-one'] = (await core.commands.execute(new RotateApiKeyCommand('ev-one'))).apiKey;
  await everywhere('ev-one', 401, 1_000, old);
  await everywhere('ev-one', 200);
});

it('a rate limit is in force at once, counted by each data plane without Redis', async () => {
  for (const s of servers) expect((await api('ev-two', s)).status).toBe(200); // cached for 60 s; one request counted on each
  await core.commands.execute(new SetRateLimitCommand('ev-two', 5));
  // the event arrives, then each process counts on its own: 8 more requests to each, 4 more served (5 in the minute)
  await new Promise((r) => setTimeout(r, 300));
  for (const s of servers) {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await api('ev-two', s)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429, 429, 429]);
  }
  const refused = await api('ev-two', servers[0]!);
  expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  await core.commands.execute(new SetRateLimitCommand('ev-two', null));
  await everywhere('ev-two', 200);
});

it('a listener whose connection was cut listens again, starting from a clean cache; later events arrive', async () => {
  const listeners = servers.map((s) => s.app.get(TenantEventsListener));
  const cut = await withAdmin(async (c) => (await c.query(`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'`, [env.config.registryDatabase])).rows[0].n);
  expect(cut).toBe(2);
  const deadline = Date.now() + 3_000;
  while (!listeners.every((l) => l.listening) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(listeners.every((l) => l.listening)).toBe(true);
  await core.commands.execute(new SuspendTenantCommand('ev-two'));
  await everywhere('ev-two', 403);
});
