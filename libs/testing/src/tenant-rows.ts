import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { projectPath } from '@kryonix/platform';
import { tenantDatabaseName, tenantSchemaName } from '@kryonix/domain';
import { testDatabaseUrl } from './test-runtime';

/**
 * Rows of every type in a tenant's tables, for the backup, restore and export specs: a
 * fixture module with the types the shipped modules lack (arrays, bytea, interval, float
 * edge values, a self-reference), and `fill`, which puts a value of its type in every column.
 */
export const FIXTURE_MODULE = { name: 'fixture', title: 'Fixture', tables: { amostras: { primaryKey: 'id' }, chaves: { primaryKey: 'grupo' } } };
export const FIXTURE_V1 = `CREATE TABLE {{schema}}.amostras (
    id BIGSERIAL PRIMARY KEY,
    codigo TEXT NOT NULL UNIQUE,
    etiquetas TEXT[],
    medidas NUMERIC(20,6)[],
    real DOUBLE PRECISION,
    pequeno REAL,
    bytes BYTEA,
    duracao INTERVAL,
    quando TIMESTAMPTZ,
    dia DATE,
    hora TIMETZ,
    dados JSONB,
    pai_id BIGINT REFERENCES {{schema}}.amostras(id)
);
CREATE TABLE {{schema}}.chaves (
    grupo TEXT NOT NULL,
    ordem INTEGER NOT NULL,
    valor TEXT,
    PRIMARY KEY (grupo, ordem)
);
`;

/** A copy of the shipped modules plus the fixture module at version 1, in a new temporary folder (KRYONIX_MODULES_DIR). */
export function modulesWithFixture(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `kryonix-${label}-modules-`));
  cpSync(projectPath('sql', 'modules'), dir, { recursive: true });
  mkdirSync(join(dir, 'fixture'));
  writeFileSync(join(dir, 'fixture', 'module.json'), JSON.stringify(FIXTURE_MODULE));
  writeFileSync(join(dir, 'fixture', '0001_init.sql.hbs'), FIXTURE_V1);
  return dir;
}

/** A database's URL on the shared test server (or `base`). */
export const url = (database: string, base = testDatabaseUrl()) => {
  const u = new URL(base);
  u.pathname = `/${database}`;
  return u.toString();
};
/** `fn` with a client on `database` (on the shared test server, or `base`). */
export async function on<R>(database: string, fn: (c: Client) => Promise<R>, base?: string): Promise<R> {
  const client = new Client({ connectionString: url(database, base) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Rows in every table of the tenant: each column gets a value of its type (NULL in every
 * fifth row where it may), foreign keys point at rows of the tables before, and a
 * self-reference points forward (loaded in one COPY, checked at its end).
 */
export async function fill(id: string, mode: 'database' | 'schema', modules: readonly string[], rows = 12): Promise<void> {
  const schemas = modules.map((m) => tenantSchemaName(id, mode, m));
  await on(tenantDatabaseName(id, mode), async (c) => {
    const { rows: tables } = await c.query<{ schema: string; table: string; refs: string[] | null }>(
      `SELECT n.nspname AS schema, t.relname AS table,
              (SELECT array_agg(DISTINCT rn.nspname || '.' || rt.relname) FROM pg_constraint f JOIN pg_class rt ON rt.oid = f.confrelid JOIN pg_namespace rn ON rn.oid = rt.relnamespace
                WHERE f.conrelid = t.oid AND f.contype = 'f' AND f.confrelid <> t.oid) AS refs
         FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = ANY($1) AND t.relkind = 'r' ORDER BY 1, 2`,
      [schemas],
    );
    const done = new Set<string>();
    while (done.size < tables.length) {
      for (const t of tables) {
        const key = `${t.schema}.${t.table}`;
        if (done.has(key) || (t.refs ?? []).some((r) => !done.has(r))) continue;
        await fillTable(c, t.schema, t.table, rows);
        done.add(key);
      }
    }
  });
}

async function fillTable(c: Client, schema: string, table: string, rows: number): Promise<void> {
  const { rows: cols } = await c.query<{ name: string; type: string; udt: string; nullable: boolean; len: number | null; precision: number | null; scale: number | null; default: string | null; ref: string | null; refcol: string | null; pk: boolean }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, ty.typname AS udt, NOT a.attnotnull AS nullable,
            information_schema._pg_char_max_length(a.atttypid, a.atttypmod) AS len,
            information_schema._pg_numeric_precision(a.atttypid, a.atttypmod) AS precision, information_schema._pg_numeric_scale(a.atttypid, a.atttypmod) AS scale,
            pg_get_expr(d.adbin, d.adrelid) AS default,
            (SELECT quote_ident(rn.nspname) || '.' || quote_ident(rt.relname) FROM pg_constraint f JOIN pg_class rt ON rt.oid = f.confrelid JOIN pg_namespace rn ON rn.oid = rt.relnamespace
              WHERE f.conrelid = a.attrelid AND f.contype = 'f' AND f.conkey = ARRAY[a.attnum]) AS ref,
            (SELECT ra.attname FROM pg_constraint f JOIN pg_attribute ra ON ra.attrelid = f.confrelid AND ra.attnum = f.confkey[1]
              WHERE f.conrelid = a.attrelid AND f.contype = 'f' AND f.conkey = ARRAY[a.attnum]) AS refcol,
            EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary AND a.attnum = ANY(i.indkey)) AS pk
       FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [`"${schema}"."${table}"`],
  );
  const self = `"${schema}"."${table}"`;
  const exprs = cols.map((col) => {
    if (col.pk && col.default?.startsWith('nextval')) return null; // the sequence numbers it
    const orNull = (e: string) => (col.nullable && !col.pk ? `CASE WHEN g % 5 = 0 THEN NULL ELSE ${e} END` : e);
    if (col.ref) {
      if (col.ref === self || col.ref.replace(/"/g, '') === `${schema}.${table}`) return 'NULL';
      return orNull(`(SELECT "${col.refcol}" FROM ${col.ref} ORDER BY 1 OFFSET (g % (SELECT count(*) FROM ${col.ref})) LIMIT 1)`);
    }
    return orNull(valueOf(col));
  });
  const used = cols.filter((_, i) => exprs[i] !== null);
  await c.query(`INSERT INTO ${self} (${used.map((u) => `"${u.name}"`).join(', ')}) SELECT ${exprs.filter((e) => e !== null).join(', ')} FROM generate_series(1, ${rows}) AS g`);
  // a self-reference pointing forward: the referenced row comes later in primary-key order
  const selfRef = cols.find((col) => col.ref && col.ref.replace(/"/g, '') === `${schema}.${table}`);
  if (selfRef) await c.query(`UPDATE ${self} SET "${selfRef.name}" = (SELECT "${selfRef.refcol}" FROM ${self} ORDER BY 1 DESC LIMIT 1) WHERE "${selfRef.refcol}" = (SELECT "${selfRef.refcol}" FROM ${self} ORDER BY 1 LIMIT 1)`);
}

/** A value of the column's type for row `g`: unicode and COPY's escape characters in text, edge values in numbers and times. */
function valueOf(col: { type: string; udt: string; len: number | null; precision: number | null; scale: number | null }): string {
  const text = `g || ' Ünïcødé ção 日本 🎉 tab\tnl\nbs\\ q'''`;
  switch (col.udt) {
    case 'uuid': return 'gen_random_uuid()';
    case 'varchar': case 'text': case 'bpchar': return col.len ? `left(${col.len <= 8 ? `'c' || g` : text}, ${col.len})` : text;
    case '_text': return `ARRAY['ä' || g, NULL, 'com,vírgula', 'aspas"x', '{chave}']`;
    case '_numeric': return `ARRAY[g * 1.5, -0.000001, 99999999999999.999999]`;
    case 'bool': return 'g % 2 = 0';
    case 'int2': case 'int4': case 'int8': return 'g * 7 - 3';
    case 'numeric': {
      const whole = (col.precision ?? 10) - (col.scale ?? 0);
      return `round((${'9'.repeat(Math.min(whole, 6))} / (g + 1.0))::numeric, ${col.scale ?? 2})`;
    }
    case 'float8': return `CASE g % 4 WHEN 0 THEN 'Infinity'::float8 WHEN 1 THEN 0.1::float8 + g WHEN 2 THEN -1e-300 ELSE 'NaN' END`;
    case 'float4': return `(g / 3.0)::float4`;
    case 'bytea': return `decode('00ff5c0a' || lpad(to_hex(g), 4, '0'), 'hex')`;
    case 'interval': return `g * interval '1 day 02:03:04.5'`;
    case 'date': return `date '2024-02-29' + g`;
    case 'time': return `time '23:59:59.123456' - g * interval '1 minute'`;
    case 'timetz': return `'10:11:12.5-03'::timetz`;
    case 'timestamp': return `timestamp '2024-02-29 23:59:59.123456' + g * interval '1 hour'`;
    case 'timestamptz': return `timestamptz '1999-12-31 23:59:59.999999-03' + g * interval '1 day'`;
    case 'jsonb': case 'json': return `jsonb_build_object('n', g * 1.5, 'txt', 'ünï "q" \\ x', 'arr', jsonb_build_array(1, NULL, 'a'), 'vazio', '{}'::jsonb)`;
    case 'point': return `point(g, -g / 3.0)`;
    default: throw new Error(`no test value for type ${col.type}`);
  }
}
