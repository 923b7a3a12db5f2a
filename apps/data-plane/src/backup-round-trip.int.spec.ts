import { RestoreTenantCommand } from '@kryonix/tenants';
import { BackedUpTenants, backedUpTenants, httpsRequest } from '@kryonix/testing';
import { DataPlaneServer, startDataPlane } from './server';

/**
 * The round trip as a tenant's apps see it: a tenant with rows of every type in every
 * table (the fixture module's arrays too) is backed up and restored under a new id, in
 * each mode, and the restored tenant answers every table's list through the data plane
 * with the same rows as the source.
 */
const MODULES = ['crm', 'whatsapp', 'agendamento', 'financeiro', 'fixture'];
let made: BackedUpTenants;
let server: DataPlaneServer;
let keys: Record<string, string>;

beforeAll(async () => {
  made = await backedUpTenants('rt', MODULES, [
    ['brt-db', 'database', 'Ida e volta database'],
    ['brt-sc', 'schema', 'Ida e volta schema'],
  ]);
  keys = made.keys;
  for (const id of ['brt-db', 'brt-sc']) keys[`${id}-copy`] = (await made.core.commands.execute(new RestoreTenantCommand({ file: made.files[id]!, as: `${id}-copy`, server: 'default' }))).apiKey!;
  server = await startDataPlane({ env: made.dataPlaneEnv, port: 0 });
}, 300_000);
afterAll(async () => {
  await server?.close();
  await made?.cleanup();
});

/** Every row of a table through the data plane, page after page. */
async function list(tenant: string, module: string, table: string): Promise<unknown[]> {
  const rows: unknown[] = [];
  let cursor: string | null = null;
  do {
    const r = await httpsRequest({ port: server.port, host: `${tenant}.kryonix.test`, path: `/api/${module}/${table}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, headers: { authorization: `Bearer ${keys[tenant]}` }, ca: made.ca });
    if (r.status !== 200) throw new Error(`${tenant} ${module}.${table}: ${r.status} ${JSON.stringify(r.body)}`);
    rows.push(...r.body.items);
    cursor = r.body.nextCursor;
  } while (cursor);
  return rows;
}

it.each(['brt-db', 'brt-sc'])('a restored copy of %s answers every table with the same rows as the source through the data plane', async (id) => {
  const tables = made.core.catalog.resolve(MODULES).flatMap((m) => Object.keys(m.tables).map((t) => [m.name, t] as const));
  expect(tables.length).toBeGreaterThanOrEqual(20);
  for (const [module, table] of tables) {
    const [source, copy] = [await list(id, module, table), await list(`${id}-copy`, module, table)];
    expect(source.length).toBeGreaterThanOrEqual(12);
    expect({ table: `${module}.${table}`, rows: copy }).toEqual({ table: `${module}.${table}`, rows: source });
  }
}, 180_000);
