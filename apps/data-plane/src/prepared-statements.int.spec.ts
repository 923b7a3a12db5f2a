import { GATEWAY_ROLE, SHARED_TENANTS_DATABASE, quoteIdent, tenantRoleName, tenantSchemaName } from '@kryonix/domain';
import { createTestEnv, rawRequest, TestEnv, withAdmin } from '@kryonix/testing';
import { PREPARED_PER_CONNECTION } from './pools/prepared-statements';
import { TenantConnections } from './pools/tenant-connections';
import { RouteCache } from './routing/route-cache';
import { DataPlaneServer, startDataPlane } from './server';

/**
 * A statement a data-plane connection runs often goes out under a name the connection holds
 * (parsed and planned once, `ConnectionStatements`), on a real server: its plan is reused
 * while the rows stay the tenant's own; another tenant's role cannot run it; a migration
 * that changes the table's columns under it costs no failed request; a failed switch in
 * front of it runs nothing; and a connection holds a bounded number of them.
 * A cap of 8: a shared pool of 2 connections.
 */
const TENANTS = ['ps-a', 'ps-b', 'ps-x'];
const ROWS = 5;
let env: TestEnv;
let server: DataPlaneServer;
const keys = new Map<string, string>();
const table = (id: string) => `${quoteIdent(tenantSchemaName(id, 'schema', 'crm'))}.leads`;

beforeAll(async () => {
  env = await createTestEnv('prepared');
  const core = await env.open();
  for (const id of TENANTS) keys.set(id, (await core.provisioner.create({ id, name: id, modules: ['crm'], mode: 'schema' })).apiKey!);
  await core.close();
  await withAdmin(async (c) => {
    for (const id of TENANTS) await c.query(`INSERT INTO ${table(id)} (nome, status) SELECT $1 || ' lead ' || g, 'novo' FROM generate_series(1, ${ROWS}) g`, [id]);
  }, SHARED_TENANTS_DATABASE);
  server = await startDataPlane({ env: { ...env.env, KRYONIX_MAX_CONNECTIONS: '8', KRYONIX_LOG_LEVEL: 'silent', KRYONIX_DATA_APPLICATION_NAME: 'kryonix-data-plane-prepared' }, port: 0 });
}, 300_000);
afterAll(async () => {
  await server?.close();
  await env?.cleanup();
});

const list = (id: string) =>
  rawRequest({ port: server.port, method: 'GET', target: '/api/crm/leads?limit=20', headers: [['host', `${id}.kryonix.test`], ['authorization', `Bearer ${keys.get(id)}`]] });

/** A page of the tenant's own rows (each named after it), or the response that was not. */
async function ownPage(id: string): Promise<Array<Record<string, unknown>>> {
  const res = await list(id);
  expect([id, res.status]).toEqual([id, 200]);
  const items = res.body.items as Array<{ nome: string }>;
  expect([id, items.length >= ROWS && items.every((r) => r.nome.startsWith(`${id} `))]).toEqual([id, true]);
  return items;
}

/** `fn` on a session of the shared pool acting as `id`. */
async function asTenant<R>(id: string, fn: (session: { query: (text: string, values?: unknown[]) => Promise<{ rows: any[] }> }) => Promise<R>): Promise<R> {
  const route = (await server.app.get(RouteCache).get(id))!;
  return server.app.get(TenantConnections).withTenant(route, fn);
}

interface Held {
  pid: number;
  name: string;
  statement: string;
  prepared: string;
  runs: number;
}

/** The named statements on both connections of the shared pool (two sessions at once take both). */
async function held(): Promise<Held[]> {
  const each = await Promise.all(
    [0, 1].map(() =>
      asTenant('ps-b', async (s) => {
        const { rows } = await s.query(
          `SELECT pg_backend_pid() AS pid, name, statement, prepare_time::text AS prepared, (generic_plans + custom_plans)::int AS runs, pg_sleep(0.3)::text
             FROM pg_prepared_statements ORDER BY name`,
        );
        return rows as Held[];
      }),
    ),
  );
  expect(new Set(each.map((rows) => rows[0]?.pid ?? -1)).size).toBeLessThanOrEqual(2);
  return each.flat().filter((h, i, all) => all.findIndex((o) => o.pid === h.pid && o.name === h.name) === i);
}
const pagesOf = (rows: Held[], id: string) => rows.filter((h) => h.statement.includes(`${quoteIdent(tenantSchemaName(id, 'schema', 'crm'))}."leads"`));

it('a list asked for again runs under a name the connection holds: parsed once, its plan reused, the rows still the tenant\u2019s', async () => {
  for (let i = 0; i < 4; i++) await ownPage('ps-a');
  const before = pagesOf(await held(), 'ps-a');
  expect(before.length).toBeGreaterThanOrEqual(1);
  for (const h of before) expect(h.name).toMatch(/^kx_/);
  for (let i = 0; i < 3; i++) await ownPage('ps-a');
  const after = pagesOf(await held(), 'ps-a');
  expect(after.map((h) => `${h.pid}/${h.name}/${h.prepared}`).sort()).toEqual(before.map((h) => `${h.pid}/${h.name}/${h.prepared}`).sort());
  const runs = (rows: Held[]) => rows.reduce((n, h) => n + h.runs, 0);
  expect(runs(after) - runs(before)).toBe(3);
});

it("two tenants taking turns each get their own rows; one tenant's role cannot run the other's statement", async () => {
  for (let i = 0; i < 6; i++) for (const id of ['ps-a', 'ps-b']) await ownPage(id);
  const all = await held();
  const [a] = pagesOf(all, 'ps-a');
  expect(a).toBeDefined();
  expect(pagesOf(all, 'ps-b').length).toBeGreaterThanOrEqual(1);
  // on ps-a's statement's own connection (the one carrying ps-a), acting as ps-b: the rights are checked at execution
  const refused = await Promise.all(
    [0, 1].map(() =>
      asTenant('ps-b', async (s) => {
        const { rows } = await s.query('SELECT pg_backend_pid() AS pid, pg_sleep(0.3)::text');
        if (rows[0].pid !== a!.pid) return undefined;
        return s.query(`EXECUTE ${quoteIdent(a!.name)}(5)`).then(
          () => 'ran',
          (e: { code?: string }) => e.code,
        );
      }),
    ),
  );
  expect(refused.filter((r) => r !== undefined)).toEqual(['42501']);
});

it('a migration that changes the columns under a held statement costs no failed request: the page has the new column, and the statement is parsed again', async () => {
  for (let i = 0; i < 3; i++) await ownPage('ps-a');
  const before = pagesOf(await held(), 'ps-a');
  await withAdmin((c) => c.query(`ALTER TABLE ${table('ps-a')} ADD COLUMN extra integer NOT NULL DEFAULT 7`), SHARED_TENANTS_DATABASE);
  for (let i = 0; i < 4; i++) expect((await ownPage('ps-a'))[0]!.extra).toBe(7);
  const after = pagesOf(await held(), 'ps-a');
  expect(after.length).toBeGreaterThanOrEqual(1);
  // prepared anew after the change (same name: same text), not the plan from before
  const old = new Set(before.map((h) => `${h.pid}/${h.prepared}`));
  expect(after.some((h) => !old.has(`${h.pid}/${h.prepared}`))).toBe(true);
});

it('a switch that fails in front of a held statement runs nothing and is a 503; once the role is back, the tenant is served again', async () => {
  for (let i = 0; i < 3; i++) await ownPage('ps-x');
  await withAdmin((c) => c.query(`REVOKE ${quoteIdent(tenantRoleName('ps-x'))} FROM ${quoteIdent(GATEWAY_ROLE)}`), SHARED_TENANTS_DATABASE);
  try {
    for (let i = 0; i < 3; i++) {
      // another tenant on both connections first, so that ps-x's request must switch
      await Promise.all([ownPage('ps-a'), ownPage('ps-b')]);
      expect((await list('ps-x')).status).toBe(503);
    }
  } finally {
    await withAdmin((c) => c.query(`GRANT ${quoteIdent(tenantRoleName('ps-x'))} TO ${quoteIdent(GATEWAY_ROLE)}`), SHARED_TENANTS_DATABASE);
  }
  for (let i = 0; i < 3; i++) {
    await Promise.all([ownPage('ps-a'), ownPage('ps-b')]);
    await ownPage('ps-x');
  }
});

it(`a connection holds at most ${PREPARED_PER_CONNECTION} named statements, however many it runs twice`, async () => {
  const count = await asTenant('ps-a', async (s) => {
    for (let round = 0; round < 2; round++) for (let i = 0; i < PREPARED_PER_CONNECTION + 20; i++) await s.query(`SELECT $1::int + ${i} AS n`, [round]);
    // every statement of the last round answered, named or not
    expect((await s.query(`SELECT $1::int + 3 AS n`, [1])).rows[0].n).toBe(4);
    return (await s.query('SELECT count(*)::int AS n FROM pg_prepared_statements')).rows[0].n as number;
  });
  expect(count).toBeGreaterThan(PREPARED_PER_CONNECTION / 2);
  expect(count).toBeLessThanOrEqual(PREPARED_PER_CONNECTION);
});
