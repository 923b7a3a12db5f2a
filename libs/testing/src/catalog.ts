import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withAdmin } from './test-runtime';

/** What exists on the server for a tenant: used to prove "nothing left behind". */
export async function tenantFootprint(id: string, opts: { registryDatabase: string; outputDir: string }) {
  const part = id.replace(/-/g, '_');
  return withAdmin(async (c) => {
    const databases = (await c.query(`SELECT datname FROM pg_database WHERE datname = $1`, [`kryonix_cliente_${part}`])).rows.map((r) => r.datname as string);
    const roles = (await c.query(`SELECT rolname FROM pg_roles WHERE rolname = $1`, [`cliente_${part}_user`])).rows.map((r) => r.rolname as string);
    const schemas = await schemasOf(part);
    const registry = await withAdmin(async (r) => {
      const out: Record<string, number> = {};
      for (const table of ['clientes', 'tenant_module_migrations', 'api_keys']) {
        const column = table === 'clientes' ? 'id' : 'cliente_id';
        out[table] = Number((await r.query(`SELECT count(*)::int AS n FROM tenant_management.${table} WHERE ${column} = $1`, [id])).rows[0].n);
      }
      return out;
    }, opts.registryDatabase);
    return { databases, roles, schemas, registry, files: existsSync(join(opts.outputDir, id)) };
  });
}

async function schemasOf(part: string): Promise<string[]> {
  const exists = await withAdmin(async (c) => (await c.query(`SELECT 1 FROM pg_database WHERE datname = 'kryonix_tenants'`)).rowCount);
  if (!exists) return [];
  return withAdmin(
    async (c) => (await c.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1 ORDER BY 1`, [`${part}\\_%`])).rows.map((r) => r.nspname as string),
    'kryonix_tenants',
  );
}

/** Tables per schema of a database, e.g. { crm: 3, whatsapp: 6 }. */
export async function tableCounts(database: string, schemas: readonly string[]): Promise<Record<string, number>> {
  return withAdmin(async (c) => {
    const { rows } = await c.query(
      `SELECT table_schema, count(*)::int AS n FROM information_schema.tables WHERE table_schema = ANY($1::text[]) AND table_type = 'BASE TABLE' GROUP BY 1`,
      [schemas],
    );
    return Object.fromEntries(rows.map((r) => [r.table_schema as string, r.n as number]));
  }, database);
}

/** The source document's SQL per module, copied into the repository (libs/testing/fixtures/source-sql). */
export const SOURCE_SQL_DIR = join(__dirname, '..', 'fixtures', 'source-sql');

/** Tables the source document creates per module (counted from its SQL). */
export function sourceTableCounts(baselineSqlDir: string = SOURCE_SQL_DIR): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of ['crm', 'whatsapp', 'agendamento', 'financeiro']) {
    out[m] = (readFileSync(join(baselineSqlDir, `${m}.sql`), 'utf8').match(/^CREATE TABLE /gm) ?? []).length;
  }
  return out;
}
