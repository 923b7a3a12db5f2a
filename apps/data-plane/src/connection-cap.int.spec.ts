import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSelfSignedCertificate } from '@kryonix/platform';
import { AddServerCommand } from '@kryonix/tenants';
import { createTestEnv, ExtraPostgres, httpsRequest, startExtraPostgres, TestCore, TestEnv, withAdmin } from '@kryonix/testing';
import { TenantConnections } from './pools/tenant-connections';
import { DataPlaneServer, startDataPlane } from './server';

/** The cap per server follows that server's max_connections unless KRYONIX_MAX_CONNECTIONS says otherwise. */
let env: TestEnv;
let core: TestCore;
let b: ExtraPostgres;
let ca: string;
let tlsEnv: Record<string, string>;
const keys: Record<string, string> = {};

beforeAll(async () => {
  [env, b] = await Promise.all([createTestEnv('dp-cap'), startExtraPostgres('dp-cap-b', 'pg15')]);
  core = await env.open();
  await core.commands.execute(new AddServerCommand({ name: 'pg-b', adminUrl: b.url }));
  keys['cap-home'] = (await core.provisioner.create({ id: 'cap-home', name: 'cap-home', modules: ['crm'], mode: 'schema', server: 'default' })).apiKey!;
  keys['cap-b'] = (await core.provisioner.create({ id: 'cap-b', name: 'cap-b', modules: ['crm'], mode: 'database', server: 'pg-b' })).apiKey!;
  const tls = await ensureSelfSignedCertificate(join(env.home, 'tls'), 'kryonix.test');
  ca = readFileSync(tls.cert, 'utf8');
  tlsEnv = { KRYONIX_TLS_CERT: tls.cert, KRYONIX_TLS_KEY: tls.key };
}, 180_000);
afterAll(async () => {
  await core?.close();
  await env?.cleanup();
  await b?.destroy();
});

async function limits(url?: string): Promise<{ max: number; reserved: number }> {
  return withAdmin(
    async (c) =>
      (
        await c.query(
          `SELECT current_setting('max_connections')::int AS max,
                  current_setting('superuser_reserved_connections')::int + coalesce(current_setting('reserved_connections', true), '0')::int AS reserved`,
        )
      ).rows[0],
    'postgres',
    url,
  );
}

async function servedCaps(extra: Record<string, string>): Promise<Record<string, number>> {
  const server: DataPlaneServer = await startDataPlane({ env: { ...env.env, ...tlsEnv, KRYONIX_LOG_LEVEL: 'silent', ...extra }, port: 0 });
  try {
    for (const id of ['cap-home', 'cap-b']) {
      const res = await httpsRequest({ port: server.port, host: `${id}.kryonix.test`, path: '/api/crm/leads', headers: { authorization: `Bearer ${keys[id]}` }, ca });
      expect(res.status).toBe(200);
    }
    return Object.fromEntries(server.app.get(TenantConnections).byServer().map((s) => [s.server, s.cap]));
  } finally {
    await server.close();
  }
}

it("without KRYONIX_MAX_CONNECTIONS, each server's cap is (max_connections - reserved slots - KRYONIX_RESERVED_CONNECTIONS) / KRYONIX_DATA_PLANES", async () => {
  const home = await limits();
  const onB = await limits(b.url);
  expect(onB.max).toBe(100); // the extra server is made with max_connections 100: its cap differs from the shared one's
  const caps = await servedCaps({ KRYONIX_RESERVED_CONNECTIONS: '10', KRYONIX_DATA_PLANES: '2' });
  expect(caps).toEqual({
    default: Math.max(2, Math.floor((home.max - home.reserved - 10) / 2)),
    'pg-b': Math.floor((100 - onB.reserved - 10) / 2),
  });
}, 120_000);

it('KRYONIX_MAX_CONNECTIONS, when set, is the cap on every server', async () => {
  expect(await servedCaps({ KRYONIX_MAX_CONNECTIONS: '7', KRYONIX_DATA_PLANES: '2' })).toEqual({ default: 7, 'pg-b': 7 });
}, 120_000);
