import { Client } from 'pg';
import { quoteIdent } from '@kryonix/domain';
import { LIST_PARAMETERS, SEARCH_TYPES, TIMESTAMP_TYPES, type ModuleCatalog, type ModuleDefinition } from '@kryonix/modules';

/** One column as the catalog of a scratch schema holding the module's migrations has it. */
export interface ColumnFacts {
  name: string;
  /** pg_type.typname of the column (of a domain: its base type), e.g. varchar, int4, numeric; an array's element type. */
  type: string;
  /** A one-dimensional or deeper array of `type`. */
  array: boolean;
  /** The type as SQL names it, normalised (VARCHAR(255), NUMERIC(10,2), TIMESTAMP, TEXT[]): the same on every server version. */
  sqlType: string;
  notNull: boolean;
  /** The column has a DEFAULT (only whether: the expression is not kept). */
  hasDefault: boolean;
  /** GENERATED ALWAYS AS IDENTITY, or BY DEFAULT. */
  identity: 'always' | 'by default' | null;
  /** GENERATED ALWAYS AS (…) STORED. */
  generated: boolean;
  primaryKey: boolean;
  /** VARCHAR(n) / CHAR(n): n. */
  maxLength: number | null;
  /** COMMENT ON COLUMN, if any. */
  comment: string | null;
}

export interface TableFacts {
  name: string;
  primaryKey: string;
  /** The catalog's filterable columns, in the manifest's order (createdAt and updatedAt among them). */
  filterable: string[];
  /** Text columns ?q= searches. */
  searchable: string[];
  createdAt?: string;
  updatedAt?: string;
  columns: ColumnFacts[];
}

export interface ModuleFacts {
  name: string;
  title: string;
  description?: string;
  tables: TableFacts[];
}

/**
 * Applies every module's migrations (dependencies first) into a schema named after the
 * module, as database mode does, into the given (scratch) database, and reads back the
 * tables the manifests expose. Modules and tables keep the catalog's and manifests' order;
 * columns come in their ordinal position.
 */
export async function readModuleTables(client: Client, catalog: ModuleCatalog): Promise<ModuleFacts[]> {
  for (const module of catalog.resolve(catalog.names())) {
    await client.query(`CREATE SCHEMA ${quoteIdent(module.name)}`);
    for (const migration of module.migrations) await client.query(migration.render(module.name));
  }
  const facts: ModuleFacts[] = [];
  for (const module of catalog.list()) facts.push({ name: module.name, title: module.title, description: module.description, tables: await tablesOf(client, module) });
  return facts;
}

interface ColumnRow {
  tbl: string;
  name: string;
  type: string;
  array: boolean;
  not_null: boolean;
  has_default: boolean;
  identity: string;
  generated: string;
  primary_key: boolean;
  typmod: number;
  comment: string | null;
}

async function tablesOf(client: Client, module: ModuleDefinition): Promise<TableFacts[]> {
  // pg_catalog only, and nothing that prints a server-specific text (no default expressions,
  // no format_type): the same migrations give the same rows on PostgreSQL 15, 16 and 17.
  const { rows } = await client.query<ColumnRow>(
    `SELECT c.relname AS tbl, a.attname AS name,
            coalesce(elem.typname, base.typname) AS type, elem.oid IS NOT NULL AS array,
            a.attnotnull AS not_null, a.atthasdef AND a.attgenerated = '' AS has_default,
            a.attidentity AS identity, a.attgenerated AS generated,
            EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p' AND a.attnum = ANY (k.conkey)) AS primary_key,
            CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS typmod,
            pg_catalog.col_description(c.oid, a.attnum) AS comment
       FROM pg_catalog.pg_attribute a
       JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
       JOIN pg_catalog.pg_type base ON base.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
       LEFT JOIN pg_catalog.pg_type elem ON elem.oid = base.typelem AND base.typcategory = 'A'
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY c.relname, a.attnum`,
    [module.name],
  );
  const byTable = new Map<string, ColumnFacts[]>();
  for (const r of rows) {
    const list = byTable.get(r.tbl) ?? [];
    list.push(columnFacts(r));
    byTable.set(r.tbl, list);
  }
  return Object.entries(module.tables).map(([table, manifest]) => {
    const columns = byTable.get(table);
    if (!columns) throw new Error(`Module "${module.name}": its manifest lists table "${table}", which its migrations do not create.`);
    const where = `Module "${module.name}", table "${table}"`;
    const column = (name: string) => columns.find((c) => c.name === name);
    const unknown = [manifest.primaryKey, ...manifest.filterable, ...manifest.searchable].filter((f) => !column(f));
    if (unknown.length) throw new Error(`${where}: column(s) ${[...new Set(unknown)].join(', ')} named in its manifest are not columns of the table.`);
    if (!column(manifest.primaryKey)!.primaryKey) throw new Error(`${where}: its manifest's primaryKey "${manifest.primaryKey}" is not the table's primary key.`);
    const notText = manifest.searchable.filter((f) => column(f)!.array || !SEARCH_TYPES.has(column(f)!.type));
    if (notText.length) throw new Error(`${where}: searchable column(s) ${notText.join(', ')} are not text (${[...SEARCH_TYPES].join(', ')}).`);
    for (const stamp of [manifest.createdAt, manifest.updatedAt]) {
      if (stamp === undefined) continue;
      const c = column(stamp);
      if (!c || c.array || !TIMESTAMP_TYPES.has(c.type)) throw new Error(`${where}: "${stamp}" (its createdAt/updatedAt) is not a ${[...TIMESTAMP_TYPES].join(' or ')} column.`);
    }
    const clash = columns.filter((c) => LIST_PARAMETERS.includes(c.name) && manifest.filterable.includes(c.name));
    if (clash.length) throw new Error(`${where}: ${clash.map((c) => c.name).join(', ')} cannot be filterable (a list parameter of that name exists).`);
    return { name: table, primaryKey: manifest.primaryKey, filterable: manifest.filterable, searchable: manifest.searchable, createdAt: manifest.createdAt, updatedAt: manifest.updatedAt, columns };
  });
}

function columnFacts(r: ColumnRow): ColumnFacts {
  const maxLength = (r.type === 'varchar' || r.type === 'bpchar') && r.typmod > 4 ? r.typmod - 4 : null;
  return {
    name: r.name,
    type: r.type,
    array: r.array,
    sqlType: sqlTypeName(r.type, r.typmod, maxLength) + (r.array ? '[]' : ''),
    notNull: r.not_null,
    hasDefault: r.has_default,
    identity: r.identity === 'a' ? 'always' : r.identity === 'd' ? 'by default' : null,
    generated: r.generated !== '',
    primaryKey: r.primary_key,
    maxLength,
    comment: r.comment,
  };
}

const SQL_NAMES: Record<string, string> = {
  int2: 'SMALLINT',
  int4: 'INTEGER',
  int8: 'BIGINT',
  float4: 'REAL',
  float8: 'DOUBLE PRECISION',
  bool: 'BOOLEAN',
  varchar: 'VARCHAR',
  bpchar: 'CHAR',
};

function sqlTypeName(type: string, typmod: number, maxLength: number | null): string {
  const name = SQL_NAMES[type] ?? type.toUpperCase();
  if (maxLength !== null) return `${name}(${maxLength})`;
  if (type === 'numeric' && typmod > 4) return `${name}(${((typmod - 4) >> 16) & 0xffff},${(typmod - 4) & 0xffff})`;
  return name;
}
