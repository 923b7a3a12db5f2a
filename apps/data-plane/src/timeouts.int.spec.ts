import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSelfSignedCertificate } from '@kryonix/platform';
import { connectAsTenant, createTestEnv, httpsRequest, TestEnv, type TestCore } from '@kryonix/testing';
import { DataPlaneServer, startDataPlane } from './server';

/**
 * One tenant cannot hold connections of all: statement_timeout and lock_timeout hold for
 * the data plane's requests (from each connection's startup packet, whatever tenant it is
 * switched to). The tenants' own logins: apps/control-plane/src/session-timeouts.int.spec.ts.
 */
let env: TestEnv;
let core: TestCore;
let ca: string;
let tls: { cert: string; key: string };
const keys: Record<string, string> = {};
const servers: DataPlaneServer[] = [];

beforeAll(async () => {
  env = await createTestEnv('timeouts');
  core = await env.open();
  for (const [id, mode] of [
    ['to-locked', 'schema'],
    ['to-other', 'schema'],
    ['to-db', 'database'],
  ] as const) {
    keys[id] = (await core.provisioner.create({ id, name: id, modules: ['crm'], mode })).apiKey!;
  }
  tls = await ensureSelfSignedCertificate(join(env.home, 'tls'), 'kryonix.test');
  ca = readFileSync(tls.cert, 'utf8');
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await env?.cleanup();
});

async function dataPlane(settings: Record<string, string>): Promise<DataPlaneServer> {
  const server = await startDataPlane({ env: { ...env.env, ...settings, KRYONIX_TLS_CERT: tls.cert, KRYONIX_TLS_KEY: tls.key, KRYONIX_LOG_LEVEL: 'silent' }, port: 0 });
  servers.push(server);
  return server;
}

const list = (server: DataPlaneServer, id: string) => {
  const started = Date.now();
  return httpsRequest({ port: server.port, host: `${id}.kryonix.test`, path: '/api/crm/leads', headers: { authorization: `Bearer ${keys[id]}` }, ca }).then((r) => ({ ...r, ms: Date.now() - started }));
};

/** A direct session of the tenant's own role holding an exclusive lock on its leads table until released. */
async function holdLock(id: string, database: string, schema: string) {
  const own = await connectAsTenant(env, id, database);
  await own.query('BEGIN');
  await own.query(`LOCK TABLE "${schema}".leads IN ACCESS EXCLUSIVE MODE`);
  return { release: async () => { await own.query('ROLLBACK').catch(() => undefined); await own.end(); } };
}

it('a request waiting on a lock held by the tenant\'s own session gives up after KRYONIX_LOCK_TIMEOUT with 503 LOCK_TIMEOUT; other tenants are served meanwhile; the connection comes back clean', async () => {
  const server = await dataPlane({ KRYONIX_LOCK_TIMEOUT: '700ms', KRYONIX_STATEMENT_TIMEOUT: '20s' });
  expect((await list(server, 'to-locked')).status).toBe(200); // route and connection warm
  const lock = await holdLock('to-locked', 'kryonix_tenants', 'to_locked_crm');
  try {
    const [locked, other] = await Promise.all([list(server, 'to-locked'), new Promise((r) => setTimeout(r, 100)).then(() => list(server, 'to-other'))]);
    expect(locked.status).toBe(503);
    expect(locked.body.error.code).toBe('LOCK_TIMEOUT');
    expect(locked.headers['retry-after']).toBe('1');
    expect(locked.ms).toBeGreaterThanOrEqual(650);
    expect(locked.ms).toBeLessThan(5_000);
    expect(other.status).toBe(200);
    expect((other as { ms: number }).ms).toBeLessThan(locked.ms);
  } finally {
    await lock.release();
  }
  // the same (reused) connection serves again: nothing was left half-done on it
  expect((await list(server, 'to-locked')).status).toBe(200);
  expect((await list(server, 'to-other')).status).toBe(200);
});

it('a statement running past KRYONIX_STATEMENT_TIMEOUT is cancelled with 504 QUERY_TIMEOUT (database mode too)', async () => {
  const server = await dataPlane({ KRYONIX_LOCK_TIMEOUT: '20s', KRYONIX_STATEMENT_TIMEOUT: '800ms' });
  const lock = await holdLock('to-db', 'kryonix_cliente_to_db', 'crm');
  try {
    const stuck = await list(server, 'to-db');
    expect(stuck.status).toBe(504);
    expect(stuck.body.error.code).toBe('QUERY_TIMEOUT');
    expect(stuck.ms).toBeGreaterThanOrEqual(750);
    expect(stuck.ms).toBeLessThan(5_000);
  } finally {
    await lock.release();
  }
  expect((await list(server, 'to-db')).status).toBe(200);
});

it("a statement timeout at PostgreSQL's limit works: connections start and queries are not timed out by the client at once", async () => {
  const server = await dataPlane({ KRYONIX_STATEMENT_TIMEOUT: '2147483' }); // seconds: 2,147,483,000 ms
  const r = await list(server, 'to-other');
  expect(r.status).toBe(200);
  expect(r.body.items).toEqual([]);
});
