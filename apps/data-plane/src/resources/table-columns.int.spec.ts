import type { Client } from 'pg';
import { SHARED_TENANTS_DATABASE, quoteIdent, tenantRoleName, tenantSchemaName } from '@kryonix/domain';
import { createTestEnv, TestEnv, withAdmin } from '@kryonix/testing';
import type { ColumnInfo } from './table-columns';
import { TableRepository } from './table.repository';

/**
 * `TableRepository.columns` reads the system catalog, not `information_schema.columns` (whose
 * planning alone costs milliseconds on a server holding thousands of tenants' tables): it must
 * say what that view says, as the tenant's role, for every module table in both modes, and
 * for the cases the modules do not have yet (domains, identity and generated columns, dropped
 * columns, arrays, rights on some columns only, or none).
 */
let env: TestEnv;
const MODULES = ['crm', 'whatsapp', 'agendamento', 'financeiro'];
const TENANTS = { schema: 'tc-sc', database: 'tc-db' } as const;

beforeAll(async () => {
  env = await createTestEnv('table-columns');
  const core = await env.open();
  for (const [mode, id] of Object.entries(TENANTS)) await core.provisioner.create({ id, name: id, modules: MODULES, mode: mode as 'schema' | 'database' });
});
afterAll(async () => {
  await env?.cleanup();
});

const databaseOf = (id: string) => (id === TENANTS.database ? `kryonix_cliente_${id.replace(/-/g, '_')}` : SHARED_TENANTS_DATABASE);
const schemaOf = (id: string, module: string) => tenantSchemaName(id, id === TENANTS.database ? 'database' : 'schema', module);

/** The query `columns` replaced: information_schema's answer, as ColumnInfo. */
async function fromInformationSchema(client: Client, schema: string, table: string): Promise<ColumnInfo[]> {
  const { rows } = await client.query(
    `SELECT column_name AS name, udt_name AS type, is_nullable = 'YES' AS nullable, column_default IS NOT NULL AS "hasDefault",
            character_maximum_length AS "maxLength"
       FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
    [schema, table],
  );
  return rows as ColumnInfo[];
}

/** `fn` on an admin connection acting as the tenant's role (its rights, as on the data plane). */
function asTenant<R>(id: string, fn: (client: Client) => Promise<R>): Promise<R> {
  return withAdmin(async (client) => {
    await client.query(`SET ROLE ${quoteIdent(tenantRoleName(id))}`);
    return fn(client);
  }, databaseOf(id));
}

it.each(Object.values(TENANTS))("says what information_schema says of every module table, as the tenant's role (%s)", async (id) => {
  await asTenant(id, async (client) => {
    let tables = 0;
    for (const module of MODULES) {
      const schema = schemaOf(id, module);
      const { rows } = await client.query<{ table: string }>(`SELECT tablename AS table FROM pg_tables WHERE schemaname = $1 ORDER BY 1`, [schema]);
      for (const { table } of rows) {
        const columns = await new TableRepository(client as never, schema, table, 'id').columns();
        expect(columns.length).toBeGreaterThan(0);
        expect([table, columns]).toEqual([table, await fromInformationSchema(client, schema, table)]);
        tables++;
      }
    }
    expect(tables).toBeGreaterThanOrEqual(8);
  });
});

describe('columns the modules do not have yet', () => {
  const id = TENANTS.schema;
  const schema = schemaOf(id, 'crm');
  const role = quoteIdent(tenantRoleName(id));
  const probe = `${quoteIdent(schema)}.probe`;
  const admin = (sql: string) => withAdmin((c) => c.query(sql), SHARED_TENANTS_DATABASE);
  const columns = () => asTenant(id, (client) => new TableRepository(client as never, schema, 'probe', 'id').columns());

  beforeAll(async () => {
    await admin(`CREATE DOMAIN ${quoteIdent(schema)}.short_code AS varchar(8) NOT NULL;
      CREATE TABLE ${probe} (
        id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code ${quoteIdent(schema)}.short_code,
        fixed char(3),
        note varchar(20) DEFAULT 'x',
        gone int,
        total numeric GENERATED ALWAYS AS (1) STORED,
        tags text[] NOT NULL,
        at timestamptz DEFAULT now()
      );
      ALTER TABLE ${probe} DROP COLUMN gone;`);
  });

  it('domains as their base type (with its NOT NULL and length), identity and generated columns as having a default, dropped columns left out', async () => {
    await admin(`GRANT SELECT, INSERT ON ${probe} TO ${role}`);
    const got = await columns();
    expect(got).toEqual([
      { name: 'id', type: 'int4', nullable: false, hasDefault: true, maxLength: null },
      { name: 'code', type: 'varchar', nullable: false, hasDefault: false, maxLength: 8 },
      { name: 'fixed', type: 'bpchar', nullable: true, hasDefault: false, maxLength: 3 },
      { name: 'note', type: 'varchar', nullable: true, hasDefault: true, maxLength: 20 },
      { name: 'total', type: 'numeric', nullable: true, hasDefault: true, maxLength: null },
      { name: 'tags', type: '_text', nullable: false, hasDefault: false, maxLength: null },
      { name: 'at', type: 'timestamptz', nullable: true, hasDefault: true, maxLength: null },
    ]);
    // information_schema agrees on all but the defaults of identity and generated columns (its column_default is NULL for them)
    const view = await asTenant(id, (client) => fromInformationSchema(client, schema, 'probe'));
    const strip = (cs: ColumnInfo[]) => cs.map(({ hasDefault: _, ...rest }) => rest);
    expect(strip(got)).toEqual(strip(view));
    expect(view.filter((c) => c.hasDefault).map((c) => c.name)).toEqual(['note', 'at']);
  });

  it('only the columns the role has a right on; none once its rights are taken (as a move cut-over does)', async () => {
    await admin(`REVOKE ALL ON ${probe} FROM ${role}; GRANT SELECT (code, note) ON ${probe} TO ${role}`);
    expect((await columns()).map((c) => c.name)).toEqual(['code', 'note']);
    await admin(`REVOKE ALL ON ${probe} FROM ${role}`);
    expect(await columns()).toEqual([]);
    expect(await asTenant(id, (client) => fromInformationSchema(client, schema, 'probe'))).toEqual([]);
  });

  it('no table of that name: no columns', async () => {
    expect(await asTenant(id, (client) => new TableRepository(client as never, schema, 'no_such_table', 'id').columns())).toEqual([]);
  });
});
