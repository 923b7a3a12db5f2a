import { Kysely, sql } from 'kysely';
import { quoteIdent } from '@kryonix/domain';
import { type ModuleMigration, inMigration } from '@kryonix/modules';

/** The catalog SQL of drift detection: reference schemas, and the facts of a schema that two schemas are compared by. */
export class SchemaCatalogRepository {
  /** `schema` in `db` with exactly `migrations` applied, made once (concurrent callers wait for the first). */
  async ensureReference<DB>(db: Kysely<DB>, schema: string, migrations: readonly ModuleMigration[]): Promise<void> {
    await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext(${schema}))`.execute(trx);
      const exists = await sql`SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = ${schema}`.execute(trx);
      if (exists.rows.length) return;
      await sql.raw(`CREATE SCHEMA ${quoteIdent(schema)}`).execute(trx);
      for (const m of migrations) await inMigration(m, () => sql.raw(m.render(schema)).execute(trx));
    });
  }

  /** Catalog facts of one schema, with the schema's own name taken out so two schemas compare. */
  async describe<DB>(db: Kysely<DB>, schema: string): Promise<Set<string>> {
    const strip = (text: string) => text.split(`"${schema}".`).join('').split(`${schema}.`).join('');
    const facts = new Set<string>();
    const tables = await sql<{ name: string }>`SELECT c.relname AS name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ${schema} AND c.relkind IN ('r', 'p')`.execute(db);
    for (const t of tables.rows) facts.add(`table ${t.name}`);
    const columns = await sql<{ tbl: string; col: string; type: string; notnull: boolean; def: string | null }>`
      SELECT c.relname AS tbl, a.attname AS col, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS def
        FROM pg_catalog.pg_attribute a
        JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE n.nspname = ${schema} AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped`.execute(db);
    for (const c of columns.rows) facts.add(`column ${c.tbl}.${c.col} ${c.type}${c.notnull ? ' not null' : ''}${c.def ? ` default ${strip(c.def)}` : ''}`);
    const indexes = await sql<{ name: string; def: string }>`SELECT indexname AS name, indexdef AS def FROM pg_catalog.pg_indexes WHERE schemaname = ${schema}`.execute(db);
    for (const i of indexes.rows) facts.add(`index ${i.name}: ${strip(i.def)}`);
    const constraints = await sql<{ tbl: string; name: string; def: string }>`
      SELECT c.relname AS tbl, k.conname AS name, pg_get_constraintdef(k.oid) AS def
        FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = ${schema}`.execute(db);
    for (const k of constraints.rows) facts.add(`constraint ${k.tbl}.${k.name}: ${strip(k.def)}`);
    return facts;
  }
}
