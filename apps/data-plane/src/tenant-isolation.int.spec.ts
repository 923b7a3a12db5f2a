import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { GATEWAY_ROLE, SHARED_TENANTS_DATABASE, quoteIdent, tenantRoleName, tenantSchemaName } from '@kryonix/domain';
import { GatewayAccess, ensureSelfSignedCertificate } from '@kryonix/platform';
import { createTestEnv, httpsRequest, TestEnv, withAdmin } from '@kryonix/testing';
import { GATEWAY_SEARCH_PATH } from './pools/session.repository';
import { TenantConnections } from './pools/tenant-connections';
import { RouteCache } from './routing/route-cache';
import { TableRepository } from './resources/table.repository';
import { DataPlaneServer, startDataPlane } from './server';

/**
 * No request is served under another tenant's role or search path, with connection affinity
 * and the switch (the role only: the search path is pg_catalog on every connection, and every
 * statement names its schema) pipelined with the first statement: schema-mode tenants share very few
 * connections (a cap of 8: a shared pool of 2), so nearly every request reuses a connection
 * another tenant used, and one tenant's switch fails (its role taken from the gateway).
 */
const TENANTS = ['iso-a', 'iso-b', 'iso-c', 'iso-d', 'iso-e', 'iso-f'];
/** Its switch fails: the gateway is not a member of its role while the data plane serves it. */
const BLOCKED = 'iso-x';
const ROWS = 5;
let env: TestEnv;
let server: DataPlaneServer;
let ca: string;
const keys = new Map<string, string>();

const table = (id: string) => `${quoteIdent(tenantSchemaName(id, 'schema', 'crm'))}.leads`;

beforeAll(async () => {
  env = await createTestEnv('isolation');
  const core = await env.open();
  for (const id of [...TENANTS, BLOCKED]) {
    const t = await core.provisioner.create({ id, name: id, modules: ['crm'], mode: 'schema' });
    keys.set(id, t.apiKey!);
  }
  await core.close();
  await withAdmin(async (c) => {
    for (const id of [...TENANTS, BLOCKED]) await c.query(`INSERT INTO ${table(id)} (nome, status) SELECT $1 || ' lead ' || g, 'novo' FROM generate_series(1, ${ROWS}) g`, [id]);
    await c.query(`REVOKE ${quoteIdent(tenantRoleName(BLOCKED))} FROM ${quoteIdent(GATEWAY_ROLE)}`);
  }, SHARED_TENANTS_DATABASE);
  const tls = await ensureSelfSignedCertificate(join(env.home, 'tls'), 'kryonix.test');
  ca = readFileSync(tls.cert, 'utf8');
  server = await startDataPlane({
    env: { ...env.env, KRYONIX_TLS_CERT: tls.cert, KRYONIX_TLS_KEY: tls.key, KRYONIX_MAX_CONNECTIONS: '8', KRYONIX_ACQUIRE_TIMEOUT_MS: '30000', KRYONIX_LOG_LEVEL: 'silent', KRYONIX_DATA_APPLICATION_NAME: 'kryonix-data-plane-isolation' },
    port: 0,
  });
}, 300_000);
afterAll(async () => {
  await server?.close();
  await env?.cleanup();
});

function call(id: string, method = 'GET', body?: unknown, path = `/api/crm/leads?limit=${ROWS + 50}`) {
  return httpsRequest({ port: server.port, host: `${id}.kryonix.test`, method, path, headers: { authorization: `Bearer ${keys.get(id)}` }, body, ca });
}

async function count(id: string): Promise<number> {
  return withAdmin(async (c) => (await c.query(`SELECT count(*)::int AS n FROM ${table(id)}`)).rows[0].n, SHARED_TENANTS_DATABASE);
}

/** Every row a tenant's list returns is named after that tenant: any other would be another tenant's, read under its role or search path. */
function ownRows(id: string, items: Array<{ nome: string }>): boolean {
  return items.length >= ROWS && items.every((row) => row.nome.startsWith(`${id} `));
}

it('serves every request with its own tenant, while one tenant\'s switch fails and others\' statements fail behind a switch', async () => {
  const before = await count(BLOCKED);
  // each tenant's own first lead: a write of its key must conflict in that tenant's table, nowhere else
  const existing = new Map<string, string>();
  for (const id of TENANTS) existing.set(id, (await call(id)).body.items[0].id as string);
  const outcomes = { own: 0, wrong: 0, blocked503: 0, blockedOther: 0, conflicts: 0 };
  // a skewed mix: iso-a hot, the blocked tenant's reads and writes, and statements that fail after their switch
  const plan = Array.from({ length: 400 }, (_, i) => (i % 7 === 3 ? BLOCKED : i % 3 === 0 ? 'iso-a' : TENANTS[i % TENANTS.length]!));
  const queue = plan.map((id, i) => ({ id, i }));
  await Promise.all(
    Array.from({ length: 12 }, async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const { id, i } = job;
        if (id === BLOCKED) {
          // a write behind a switch that fails must not run; nor may a read
          const res = i % 2 ? await call(id, 'POST', { nome: `${id} written`, status: 'novo' }, '/api/crm/leads') : await call(id);
          if (res.status === 503 && res.body.error?.code === 'UNAVAILABLE') outcomes.blocked503++;
          else outcomes.blockedOther++;
        } else if (i % 11 === 5) {
          // a statement that fails after its switch (a duplicate key) rolls the switch back with it
          const res = await call(id, 'POST', { id: existing.get(id), nome: `${id} duplicate`, status: 'novo' }, '/api/crm/leads');
          if (res.status === 409) outcomes.conflicts++;
          else outcomes.wrong++;
        } else {
          const res = await call(id);
          if (res.status === 200 && ownRows(id, res.body.items)) outcomes.own++;
          else outcomes.wrong++;
        }
      }
    }),
  );
  expect(outcomes.wrong).toBe(0);
  expect(outcomes.blockedOther).toBe(0);
  expect(outcomes.blocked503).toBe(plan.filter((id) => id === BLOCKED).length);
  expect(outcomes.own).toBeGreaterThan(250);
  expect(outcomes.conflicts).toBe(plan.filter((id, i) => id !== BLOCKED && i % 11 === 5).length);
  // nothing the blocked tenant sent ran: no row written
  expect(await count(BLOCKED)).toBe(before);

  // its role given back, it is served at once, with its own rows
  await withAdmin((c) => c.query(`GRANT ${quoteIdent(tenantRoleName(BLOCKED))} TO ${quoteIdent(GATEWAY_ROLE)}`), SHARED_TENANTS_DATABASE);
  const res = await call(BLOCKED);
  expect(res.status).toBe(200);
  expect(ownRows(BLOCKED, res.body.items)).toBe(true);
  for (const id of TENANTS) {
    const other = await call(id);
    expect(ownRows(id, other.body.items)).toBe(true);
  }
}, 300_000);

it("acts as the tenant's role on every switched connection, with a search path that finds no tenant's table", async () => {
  const connections = server.app.get(TenantConnections);
  const routes = server.app.get(RouteCache);
  const switches = () => connections.byServer().find((s) => s.server === 'default')!.switches;
  const before = switches();
  const order = Array.from({ length: 120 }, (_, i) => TENANTS[(i * 5) % TENANTS.length]!);
  const seen = await Promise.all(
    order.map(async (id) => {
      const route = (await routes.get(id))!;
      return connections.withTenant(route, async (session) => {
        const { rows } = await session.query<{ role: string; path: string }>(`SELECT current_user AS role, current_setting('search_path') AS path`);
        // a statement naming no schema finds no tenant's table (not this one's, nor the last one's on this connection)
        const unqualified = await session.query('SELECT count(*) FROM leads').then(
          () => 'found',
          (error: { code?: string }) => error.code,
        );
        return { id, ...rows[0]!, unqualified };
      });
    }),
  );
  for (const s of seen) expect(s).toEqual({ id: s.id, role: tenantRoleName(s.id), path: GATEWAY_SEARCH_PATH, unqualified: '42P01' });
  // the shared pool (2 connections) served six tenants in turn: they were switched, not given their own
  expect(switches() - before).toBeGreaterThan(20);
});

it('names its schema in every statement: the repository works on a session whose search path is empty', async () => {
  const access = server.app.get(GatewayAccess);
  const id = 'iso-b';
  const client = new Client({ connectionString: access.url(SHARED_TENANTS_DATABASE) });
  await client.connect();
  try {
    await client.query(`SET ROLE ${quoteIdent(tenantRoleName(id))}; SET search_path TO ''`);
    const repo = new TableRepository(client as never, tenantSchemaName(id, 'schema', 'crm'), 'leads', 'id');
    const columns = await repo.columns();
    expect(columns.map((c) => c.name)).toContain('nome');
    const made = await repo.insert([
      ['nome', `${id} unqualified-test`],
      ['status', 'novo'],
    ]);
    expect((await repo.get(made.id))?.nome).toBe(`${id} unqualified-test`);
    expect((await repo.update(made.id, [['empresa', 'Acme']], 'updated_at'))?.empresa).toBe('Acme');
    const page = await repo.list({ conditions: [{ column: 'status', op: 'eq', value: 'novo' }], limit: 3, order: { column: 'created_at', desc: true, nullable: true } } as never);
    expect(page.length).toBe(3);
    expect(await repo.delete(made.id)).toBe(true);
  } finally {
    await client.end();
  }
});

it('prefers an idle connection that already carries the tenant: two tenants taking turns on two connections need no switch', async () => {
  const switches = () => server.app.get(TenantConnections).byServer().find((s) => s.server === 'default')!.switches;
  // both connections of the shared pool (a cap of 8: 2) in use at once, one per tenant
  for (let i = 0; i < 3; i++) await Promise.all([call('iso-c'), call('iso-d')]);
  const before = switches();
  for (let i = 0; i < 10; i++) {
    for (const id of ['iso-c', 'iso-d']) {
      const res = await call(id);
      expect(ownRows(id, res.body.items)).toBe(true);
    }
  }
  // without affinity pg.Pool hands out the connection released last (the other tenant's): 20 switches
  expect(switches() - before).toBeLessThanOrEqual(2);
  // and the metrics say how many there were
  expect(await (await fetch(server.metrics.url)).text()).toContain(`kryonix_data_pool_switches{server="default"} ${switches()}`);
});
