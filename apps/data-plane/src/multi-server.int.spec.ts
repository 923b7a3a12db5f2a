import { readFileSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { DatabaseConnector, GatewayAccess, ServerRepository, ensureSelfSignedCertificate } from '@kryonix/platform';
import { AddServerCommand } from '@kryonix/tenants';
import { ExtraPostgres, TestCore, TestEnv, createTestEnv, httpsRequest, startExtraPostgres, withAdmin } from '@kryonix/testing';
import { DataPlaneServer, startDataPlane } from './server';

/**
 * The data plane on two PostgreSQL servers: the registry's own (`default`, the shared test
 * server) and a second one registered after the data plane started. Tenants of both modes
 * on each are served, each through its own server's pools; the second server stopped makes
 * only its tenants answer 503 (at once, with Retry-After), and they are served again when
 * it is back, with no restart.
 */
const ACQUIRE_TIMEOUT_MS = 2_000;
const APPLICATION = 'kryonix-data-plane-multi';
let env: TestEnv;
let b: ExtraPostgres;
let core: TestCore;
let server: DataPlaneServer;
let ca: string;
let tlsSettings: Record<string, string>;
const keys: Record<string, string> = {};
/** The data plane's warnings (outage lines), as its logger got them. */
const logged: string[] = [];

beforeAll(async () => {
  [env, b] = await Promise.all([createTestEnv('dp-multi'), startExtraPostgres('dp-multi-b')]);
  core = await env.open();
  for (const [id, mode] of [
    ['dm-home', 'database'],
    ['dm-home-sc', 'schema'],
  ] as const) {
    keys[id] = (await core.provisioner.create({ id, name: id, modules: ['crm'], mode })).apiKey!;
  }
  const tls = await ensureSelfSignedCertificate(join(env.home, 'tls'), 'kryonix.test');
  ca = readFileSync(tls.cert, 'utf8');
  tlsSettings = { KRYONIX_TLS_CERT: tls.cert, KRYONIX_TLS_KEY: tls.key };
  server = await startDataPlane({
    env: { ...env.env, ...tlsSettings, KRYONIX_LOG_LEVEL: 'warn', KRYONIX_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_TIMEOUT_MS), KRYONIX_DATA_APPLICATION_NAME: APPLICATION },
    port: 0,
  });
  const record = (message: unknown) => void logged.push(String(message));
  Logger.overrideLogger({ log: () => undefined, error: record, warn: record });
}, 120_000);
afterAll(async () => {
  await server?.close();
  await env?.cleanup();
  await b?.destroy();
});

async function get(id: string) {
  const sent = Date.now();
  const res = await httpsRequest({ port: server.port, host: `${id}.kryonix.test`, path: '/api/crm/leads', headers: { authorization: `Bearer ${keys[id]}` }, ca });
  return { ...res, ms: Date.now() - sent };
}
const statuses = async (ids: string[]) => Object.fromEntries(await Promise.all(ids.map(async (id) => [id, (await get(id)).status])));
const metrics = async () => (await fetch(server.metrics.url)).text();
const lines = (pattern: RegExp) => logged.filter((l) => pattern.test(l));

it('a server registered after the data plane started serves its tenants (both modes) without a restart; the gateway password is set there on first use', async () => {
  expect(await statuses(['dm-home', 'dm-home-sc'])).toEqual({ 'dm-home': 200, 'dm-home-sc': 200 });
  await core.commands.execute(new AddServerCommand({ name: 'pg-b', adminUrl: b.url }));
  for (const [id, mode] of [
    ['dm-b-db', 'database'],
    ['dm-b-sc', 'schema'],
  ] as const) {
    keys[id] = (await core.provisioner.create({ id, name: id, modules: ['crm'], mode, server: 'pg-b' })).apiKey!;
  }
  // the gateway's password on pg-b is not what this data plane derives: it must set it itself before logging in
  await withAdmin((c) => c.query(`ALTER ROLE kryonix_gateway PASSWORD 'not-the-derived-one'`), 'postgres', b.url);
  expect(await statuses(['dm-b-db', 'dm-b-sc', 'dm-home', 'dm-home-sc'])).toEqual({ 'dm-b-db': 200, 'dm-b-sc': 200, 'dm-home': 200, 'dm-home-sc': 200 });
  // a write lands on pg-b, in the tenant's own database / schemas there
  const created = await httpsRequest({ port: server.port, host: 'dm-b-sc.kryonix.test', method: 'POST', path: '/api/crm/leads', headers: { authorization: `Bearer ${keys['dm-b-sc']}` }, body: { nome: 'Lead on B' }, ca });
  expect(created.status).toBe(201);
  const onB = await withAdmin(async (c) => (await c.query(`SELECT nome FROM dm_b_sc_crm.leads`)).rows, 'kryonix_tenants', b.url);
  expect(onB).toEqual([{ nome: 'Lead on B' }]);
  const onDefault = await withAdmin(async (c) => (await c.query(`SELECT count(*)::int AS n FROM dm_home_sc_crm.leads`)).rows[0].n, 'kryonix_tenants');
  expect(onDefault).toBe(0);
  // pg-b's connections are the gateway's, this data plane's; the default server's pools are apart
  const sessions = await withAdmin(async (c) => (await c.query(`SELECT DISTINCT usename, datname FROM pg_stat_activity WHERE application_name = $1 ORDER BY datname`, [APPLICATION])).rows, 'postgres', b.url);
  expect(sessions).toEqual([
    { usename: 'kryonix_gateway', datname: 'kryonix_cliente_dm_b_db' },
    { usename: 'kryonix_gateway', datname: 'kryonix_tenants' },
  ]);
  const text = await metrics();
  expect(text).toMatch(/kryonix_data_pool_connections\{server="pg-b",state="idle"\} [1-9]/);
  expect(text).toMatch(/kryonix_data_pool_connections\{server="default",state="idle"\} [1-9]/);
  expect(text).toContain('kryonix_data_server_up{server="pg-b"} 1');
});

it('pg-b stopped: only its tenants get 503 UNAVAILABLE with Retry-After, at once; the default server\'s are served; one outage line; served again once it is back, no restart', async () => {
  await b.stop();
  for (let round = 0; round < 3; round++) {
    for (const id of ['dm-b-db', 'dm-b-sc']) {
      const r = await get(id);
      expect(r).toMatchObject({ status: 503, headers: expect.objectContaining({ 'retry-after': '1' }), body: { error: expect.objectContaining({ code: 'UNAVAILABLE' }) } });
      expect(r.ms).toBeLessThan(ACQUIRE_TIMEOUT_MS); // refused at once, not waited on
    }
    expect(await statuses(['dm-home', 'dm-home-sc'])).toEqual({ 'dm-home': 200, 'dm-home-sc': 200 });
  }
  const text = await metrics();
  expect(text).toContain('kryonix_data_server_up{server="pg-b"} 0');
  expect(text).toContain('kryonix_data_server_up{server="default"} 1');
  expect(lines(/PostgreSQL server "pg-b" \(tenant connections\) unavailable/)).toHaveLength(1);
  expect(lines(/server "default"/)).toEqual([]);
  for (const line of logged) expect(line).not.toMatch(/postgres(ql)?:\/\//); // never a URL

  await b.start();
  const deadline = Date.now() + 5_000;
  let back = await statuses(['dm-b-db', 'dm-b-sc']);
  while ((back['dm-b-db'] !== 200 || back['dm-b-sc'] !== 200) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    back = await statuses(['dm-b-db', 'dm-b-sc']);
  }
  expect(back).toEqual({ 'dm-b-db': 200, 'dm-b-sc': 200 });
  expect(lines(/PostgreSQL server "pg-b" \(tenant connections\) available again/)).toHaveLength(1);
  expect(await metrics()).toContain('kryonix_data_server_up{server="pg-b"} 1');
});

it('two data planes started at once, each setting pg-b\'s gateway up at the same moment on its first requests: every request is served', async () => {
  const settings = { ...env.env, ...tlsSettings, KRYONIX_LOG_LEVEL: 'warn', KRYONIX_RATE_LIMIT: '1000000' };
  const planes = await Promise.all([startDataPlane({ env: settings, port: 0 }), startDataPlane({ env: settings, port: 0 })]);
  try {
    // neither has opened pg-b yet: each of these requests may be the one that sets its gateway's password
    const results = await Promise.all(
      planes.flatMap((plane) =>
        ['dm-b-db', 'dm-b-sc', 'dm-b-db', 'dm-b-sc'].map(async (id) => {
          const res = await httpsRequest({ port: plane.port, host: `${id}.kryonix.test`, path: '/api/crm/leads', headers: { authorization: `Bearer ${keys[id]}` }, ca });
          return res.status === 200 ? 200 : { status: res.status, body: res.body };
        }),
      ),
    );
    expect(results).toEqual(Array(8).fill(200));
  } finally {
    await Promise.all(planes.map((p) => p.close()));
  }
});

it('the gateway role set up by many connections at once on one server (what many data planes starting do): none fails, and the password is the derived one', async () => {
  const verifier = core.app.get(GatewayAccess).verifier();
  const repository = new ServerRepository();
  const connectors = Array.from({ length: 8 }, () => new DatabaseConnector(b.url));
  try {
    const results = await Promise.allSettled(connectors.map((c) => c.once('postgres', (admin) => repository.ensureGatewayRole(admin, verifier, true))));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
  } finally {
    await Promise.all(connectors.map((c) => c.close()));
  }
  expect(await statuses(['dm-b-db', 'dm-b-sc'])).toEqual({ 'dm-b-db': 200, 'dm-b-sc': 200 });
});
