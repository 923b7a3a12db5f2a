import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSelfSignedCertificate } from '@kryonix/platform';
import { createTestEnv, httpsRequest, TestEnv, withAdmin } from '@kryonix/testing';
import { TenantConnections as TenantConnectionsToken } from './pools/tenant-connections';
import { DataPlaneServer, startDataPlane } from './server';

const TENANTS = 300;
const CAP = 20;
/** Its own application_name: other test files' data planes use the same server at the same time. */
const APPLICATION = 'kryonix-data-plane-budget';
let env: TestEnv;
let server: DataPlaneServer;
let ca: string;
const keys = new Map<string, string>();

beforeAll(async () => {
  env = await createTestEnv('budget');
  const core = await env.open();
  const ids = Array.from({ length: TENANTS }, (_, i) => `cb-${String(i).padStart(3, '0')}`);
  // both modes: database-mode tenants each need their own pool, schema-mode ones share one
  for (let i = 0; i < ids.length; i += 4) {
    await Promise.all(
      ids.slice(i, i + 4).map(async (id, j) => {
        const t = await core.provisioner.create({ id, name: id, modules: ['crm'], mode: (i + j) % 2 ? 'schema' : 'database' });
        keys.set(id, t.apiKey!);
      }),
    );
  }
  const tls = await ensureSelfSignedCertificate(join(env.home, 'tls'), 'kryonix.test');
  ca = readFileSync(tls.cert, 'utf8');
  server = await startDataPlane({
    env: { ...env.env, KRYONIX_TLS_CERT: tls.cert, KRYONIX_TLS_KEY: tls.key, KRYONIX_MAX_CONNECTIONS: String(CAP), KRYONIX_TENANT_POOL_SIZE: '1', KRYONIX_ACQUIRE_TIMEOUT_MS: '20000', KRYONIX_LOG_LEVEL: 'silent', KRYONIX_DATA_APPLICATION_NAME: APPLICATION },
    port: 0,
  });
}, 300_000);
afterAll(async () => {
  await server?.close();
  await env?.cleanup();
});

async function get(id: string): Promise<number> {
  const res = await httpsRequest({ port: server.port, host: `${id}.kryonix.test`, path: '/api/crm/leads?limit=5', headers: { authorization: `Bearer ${keys.get(id)}` }, ca });
  return res.status;
}

async function serverConnections(): Promise<number> {
  return withAdmin(async (c) => (await c.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`, [APPLICATION])).rows[0].n);
}

it(`serves ${TENANTS} tenants hit at once over HTTPS with at most ${CAP} server connections`, async () => {
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await serverConnections());
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  try {
    for (let round = 0; round < 2; round++) {
      const statuses = await Promise.all([...keys.keys()].map(get));
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
    }
  } finally {
    sampling = false;
    await sampler;
  }
  expect(server.url).toMatch(/^https:/);
  expect(peak).toBeGreaterThan(1);
  expect(peak).toBeLessThanOrEqual(CAP);
  expect(server.app.get(TenantConnectionsToken).stats().total).toBeLessThanOrEqual(CAP);
}, 300_000);


