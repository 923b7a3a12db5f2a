import { createHash } from 'node:crypto';
import type { Client } from 'pg';
import { quoteIdent } from '@kryonix/domain';
import { CopyOut, DatabaseConnector, copyIn, copyOut } from '@kryonix/platform';

/** A table of a tenant's schemas as a backup reads and a restore loads it. */
export interface TableShape {
  schema: string;
  table: string;
  /** Every column a COPY carries (generated ones excluded), in the table's order. */
  columns: string[];
  /** The primary key's columns, in key order (empty: the table has none). */
  primaryKey: string[];
  /** Columns that take a collation: ordered by "C" so the order is the same on every server. */
  collated: string[];
  /** Tables of the same schemas it references (foreign keys): loaded before it. */
  references: Array<{ schema: string; table: string }>;
}

/** A column as an export describes it (README) and renders it (JSON). */
export interface ColumnInfo {
  name: string;
  /** PostgreSQL's name of its type, with modifiers (`character varying(255)`, `numeric(10,2)`, `text[]`). */
  type: string;
  /** The type's internal name (`varchar`, `_text`, `jsonb`). */
  udt: string;
  nullable: boolean;
}

/** Types JSON holds as they are (numbers, booleans, JSON itself); every other value goes out as its text form. */
const JSON_NATIVE = new Set(['bool', 'int2', 'int4', 'float4', 'float8', 'json', 'jsonb']);

/** What dropConstraintsAndIndexes dropped, as the statements that make it again. */
export interface RebuildStatements {
  /** Per table: its primary key and unique constraints, then its other indexes. */
  tables: Array<{ schema: string; table: string; keys: string[]; indexes: string[] }>;
  /** Every foreign key of the tables (after all keys: they need the referenced ones). */
  foreignKeys: string[];
}

export interface SequenceState {
  schema: string;
  name: string;
  /** null: never used (nextval gives its start). */
  lastValue: string | null;
}

/**
 * Values in their text form are the same on every server and major version only under
 * fixed settings: these, for every snapshot, load and checksum.
 */
export const CANONICAL_SETTINGS: Readonly<Record<string, string>> = {
  TimeZone: 'UTC',
  DateStyle: 'ISO, YMD',
  IntervalStyle: 'postgres',
  extra_float_digits: '1',
  bytea_output: 'hex',
};

/**
 * The SQL that reads and writes a tenant's rows (backup, restore, clone, export): catalog
 * reads of its schemas' tables, COPY out of one consistent snapshot, COPY in within one
 * transaction, sequences, and the canonical checksum of a table. Identifiers come
 * checked and quoted; values are parameters.
 */
export class TenantDataRepository {
  constructor(private readonly connector: DatabaseConnector) {}

  /** `fn` inside one REPEATABLE READ READ ONLY transaction on `database`: every table as of one moment. */
  snapshot<R>(database: string, fn: (tx: TenantDataTransaction) => Promise<R>): Promise<R> {
    return this.transaction(database, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', fn);
  }

  /** `fn` inside one read-write transaction on `database`: a load that fails leaves nothing. */
  load<R>(database: string, fn: (tx: TenantDataTransaction) => Promise<R>): Promise<R> {
    return this.transaction(database, 'BEGIN', fn);
  }

  /**
   * `fn` on a session of its own to `database` under the canonical settings, outside any
   * transaction: each statement commits by itself (a restore's index builds and read-back
   * checks, several at a time, in storage that is not live until its plan activates it).
   */
  session<R>(database: string, fn: (tx: TenantDataTransaction) => Promise<R>): Promise<R> {
    return this.connector.session(database, async (client) => {
      await client.query(canonical('SET'));
      return fn(new TenantDataTransaction(client));
    });
  }

  private transaction<R>(database: string, begin: string, fn: (tx: TenantDataTransaction) => Promise<R>): Promise<R> {
    return this.connector.session(database, async (client) => {
      await client.query(`${begin}; ${canonical('SET LOCAL')}`);
      try {
        const result = await fn(new TenantDataTransaction(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }
}

export class TenantDataTransaction {
  constructor(private readonly client: Client) {}

  /** The ordinary tables of `schemas` with their columns, primary keys and references. */
  async tables(schemas: readonly string[]): Promise<TableShape[]> {
    const { rows } = await this.client.query<{ schema: string; table: string; columns: string[]; collated: string[]; primary_key: string[] | null; references: Array<{ schema: string; table: string }> | null }>(
      `SELECT n.nspname AS schema, c.relname AS table,
              array(SELECT a.attname::text FROM pg_catalog.pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum) AS columns,
              array(SELECT a.attname::text FROM pg_catalog.pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attcollation <> 0 ORDER BY a.attnum) AS collated,
              (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM pg_catalog.pg_index i
                 CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                WHERE i.indrelid = c.oid AND i.indisprimary) AS primary_key,
              (SELECT json_agg(DISTINCT jsonb_build_object('schema', rn.nspname, 'table', rc.relname)) FROM pg_catalog.pg_constraint f
                 JOIN pg_catalog.pg_class rc ON rc.oid = f.confrelid JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
                WHERE f.conrelid = c.oid AND f.contype = 'f' AND f.confrelid <> c.oid AND rn.nspname = ANY($1::text[])) AS references
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        ORDER BY n.nspname, c.relname`,
      [[...schemas]],
    );
    return rows.map((r) => ({ schema: r.schema, table: r.table, columns: r.columns, collated: r.collated, primaryKey: r.primary_key ?? [], references: r.references ?? [] }));
  }

  /** The server's PostgreSQL version (server_version). */
  serverVersion(): Promise<string> {
    return this.setting('server_version');
  }

  /** A setting's value in this session (and its transaction). */
  async setting(name: string): Promise<string> {
    return (await this.client.query<{ v: string }>('SELECT pg_catalog.current_setting($1) AS v', [name])).rows[0]!.v;
  }

  /** The sequences of `schemas` and where each stands. */
  async sequences(schemas: readonly string[]): Promise<SequenceState[]> {
    const { rows } = await this.client.query<{ schema: string; name: string; last_value: string | null }>(
      `SELECT schemaname AS schema, sequencename AS name, last_value::text AS last_value FROM pg_catalog.pg_sequences WHERE schemaname = ANY($1::text[]) ORDER BY 1, 2`,
      [[...schemas]],
    );
    return rows.map((r) => ({ schema: r.schema, name: r.name, lastValue: r.last_value }));
  }

  /**
   * Lets the rows of `table` in primary-key order (rows, checksum) come from its key's index
   * only when they lie in that order already (the planner's statistics: the correlation of
   * the key's first column at least 0.9), for the rest of the transaction or until called
   * again. Otherwise a scan and a sort (in parallel workers where the server allows) is
   * faster than an index scan's heap fetch per row, which the planner, counting on its
   * cache, often picks: 1,000,000 rows by a random UUID key read in 9–14 s against 13–22 s
   * (docs/performance.md). No statistics: a scan and a sort.
   */
  async preferOrderedScan(table: Pick<TableShape, 'schema' | 'table' | 'primaryKey'>): Promise<void> {
    const first = table.primaryKey[0];
    const { rows } = first
      ? await this.client.query<{ correlation: number | null }>('SELECT correlation FROM pg_catalog.pg_stats WHERE schemaname = $1 AND tablename = $2 AND attname = $3', [table.schema, table.table, first])
      : { rows: [] };
    const inOrder = rows.some((r) => r.correlation !== null && Math.abs(r.correlation) >= 0.9);
    await this.client.query("SELECT pg_catalog.set_config('enable_indexscan', $1, true), pg_catalog.set_config('enable_bitmapscan', $1, true)", [inOrder ? 'on' : 'off']);
  }

  /**
   * The table's rows in COPY's text form, in primary-key order ("C" collation): the bytes
   * a backup holds and its checksum covers. `columns` and `order` name the backup's columns.
   */
  rows(table: Pick<TableShape, 'schema' | 'table' | 'columns' | 'primaryKey' | 'collated'>): CopyOut {
    return copyOut(this.client, `COPY (SELECT ${table.columns.map(quoteIdent).join(', ')} FROM ${quoteIdent(table.schema)}.${quoteIdent(table.table)} ORDER BY ${orderOf(table)}) TO STDOUT`);
  }

  /** Row count and SHA-256 of the table's canonical text form (see rows). */
  async checksum(table: Pick<TableShape, 'schema' | 'table' | 'columns' | 'primaryKey' | 'collated'>): Promise<{ rows: number; sha256: string }> {
    const hash = createHash('sha256');
    const stream = this.rows(table);
    for await (const chunk of stream) hash.update(chunk as Buffer);
    return { rows: stream.rows, sha256: hash.digest('hex') };
  }

  /** The columns of a table COPY carries (generated ones excluded), in its order, with their types. */
  async columns(schema: string, table: string): Promise<ColumnInfo[]> {
    const { rows } = await this.client.query<ColumnInfo>(
      `SELECT a.attname::text AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, t.typname::text AS udt, NOT a.attnotnull AS nullable
         FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
        WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
        ORDER BY a.attnum`,
      [`${quoteIdent(schema)}.${quoteIdent(table)}`],
    );
    return rows;
  }

  /**
   * The table's rows as CSV (COPY's CSV: a header row, fields quoted where needed, NULL an
   * empty unquoted field and an empty string `""`), in primary-key order; records end in LF.
   */
  csv(table: Pick<TableShape, 'schema' | 'table' | 'columns' | 'primaryKey' | 'collated'>): CopyOut {
    return copyOut(this.client, `COPY (SELECT ${table.columns.map(quoteIdent).join(', ')} FROM ${quoteIdent(table.schema)}.${quoteIdent(table.table)} ORDER BY ${orderOf(table)}) TO STDOUT WITH (FORMAT csv, HEADER true)`);
  }

  /**
   * The table's rows as JSON Lines (one object per line, keys in column order), in
   * primary-key order. Booleans, smallint, integer, real, double precision and json(b) stay
   * JSON; arrays become JSON arrays (their elements by the same rule); every other value
   * (numeric and bigint included: a JSON number would lose digits) is its text form.
   */
  jsonLines(table: Pick<TableShape, 'schema' | 'table' | 'primaryKey' | 'collated'>, columns: readonly ColumnInfo[]): CopyOut {
    const value = (c: ColumnInfo) => {
      const element = c.udt.startsWith('_') ? c.udt.slice(1) : undefined;
      if (JSON_NATIVE.has(element ?? c.udt)) return `t.${quoteIdent(c.name)}`;
      return `t.${quoteIdent(c.name)}::text${element ? '[]' : ''} AS ${quoteIdent(c.name)}`;
    };
    // ordered by the table's own columns (t.), not by the text forms that share their names
    const inner = `SELECT ${columns.map(value).join(', ')} FROM ${quoteIdent(table.schema)}.${quoteIdent(table.table)} t ORDER BY ${orderOf({ ...table, columns: columns.map((c) => c.name) }, 't')}`;
    // CSV with a delimiter and quote JSON never holds raw (it escapes control characters): each line is the JSON as it is
    return copyOut(this.client, `COPY (SELECT pg_catalog.to_json(r)::text FROM (${inner}) r) TO STDOUT WITH (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')`);
  }

  /** Loads rows in COPY's text form into the table's `columns`; resolves how many. */
  load(table: Pick<TableShape, 'schema' | 'table' | 'columns'>, data: AsyncIterable<Buffer>): Promise<number> {
    return copyIn(this.client, `COPY ${quoteIdent(table.schema)}.${quoteIdent(table.table)} (${table.columns.map(quoteIdent).join(', ')}) FROM STDIN`, data);
  }

  /**
   * Drops the keys, unique and foreign-key constraints and the other indexes of `tables`,
   * and returns the statements that make them again: per table its keys and unique
   * constraints (first: the foreign keys need them) and its other indexes, then the foreign
   * keys (last, each validated once). A load then builds each index once after its rows, as
   * pg_restore does, instead of updating it row by row, and checks each foreign key with one
   * query instead of a trigger per row.
   */
  async dropConstraintsAndIndexes(tables: ReadonlyArray<Pick<TableShape, 'schema' | 'table'>>): Promise<RebuildStatements> {
    const names = tables.map((t) => `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`);
    const { rows: constraints } = await this.client.query<{ schema: string; table: string; owner: string; name: string; kind: string; def: string }>(
      `SELECT n.nspname::text AS schema, r.relname::text AS table, c.conrelid::regclass::text AS owner, pg_catalog.quote_ident(c.conname) AS name, c.contype::text AS kind, pg_catalog.pg_get_constraintdef(c.oid) AS def
         FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_class r ON r.oid = c.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
        WHERE c.conrelid IN (SELECT pg_catalog.to_regclass(x) FROM unnest($1::text[]) x) AND c.contype IN ('p', 'u', 'f')
        ORDER BY c.contype = 'f' DESC, 3, 4`,
      [names],
    );
    const { rows: indexes } = await this.client.query<{ schema: string; table: string; name: string; def: string }>(
      `SELECT n.nspname::text AS schema, r.relname::text AS table, i.indexrelid::regclass::text AS name, pg_catalog.pg_get_indexdef(i.indexrelid) AS def
         FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class r ON r.oid = i.indrelid JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
        WHERE i.indrelid IN (SELECT pg_catalog.to_regclass(x) FROM unnest($1::text[]) x)
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY 3`,
      [names],
    );
    // names from regclass and quote_ident, definitions from the catalog: nothing here came from outside the server
    for (const c of constraints) await this.client.query(`ALTER TABLE ${c.owner} DROP CONSTRAINT ${c.name}`); // foreign keys first (ORDER BY)
    if (indexes.length) await this.client.query(`DROP INDEX ${indexes.map((r) => r.name).join(', ')}`);
    const add = (c: { owner: string; name: string; def: string }) => `ALTER TABLE ${c.owner} ADD CONSTRAINT ${c.name} ${c.def}`;
    const of = (t: Pick<TableShape, 'schema' | 'table'>) => (r: { schema: string; table: string }) => r.schema === t.schema && r.table === t.table;
    return {
      tables: tables.map((t) => ({
        schema: t.schema,
        table: t.table,
        keys: constraints.filter((c) => c.kind !== 'f').filter(of(t)).map(add),
        indexes: indexes.filter(of(t)).map((r) => r.def),
      })),
      foreignKeys: constraints.filter((c) => c.kind === 'f').map(add),
    };
  }

  /** Runs statements dropConstraintsAndIndexes returned, in order. */
  async restoreConstraintsAndIndexes(statements: readonly string[]): Promise<void> {
    for (const statement of statements) await this.client.query(statement);
  }

  /** Puts a sequence where it stood (null: as never used). */
  async setSequence(schema: string, name: string, lastValue: string | null): Promise<void> {
    const target = `${quoteIdent(schema)}.${quoteIdent(name)}`;
    if (lastValue === null) await this.client.query(`ALTER SEQUENCE ${target} RESTART`);
    else await this.client.query('SELECT pg_catalog.setval($1::regclass, $2::bigint, true)', [target, lastValue]);
  }
}

/** The statements that put a session (SET) or a transaction (SET LOCAL) under CANONICAL_SETTINGS (constants, not input). */
const canonical = (set: 'SET' | 'SET LOCAL') => Object.entries(CANONICAL_SETTINGS).map(([k, v]) => `${set} ${k} = '${v}'`).join('; ');

/** ORDER BY of a table's canonical form: its primary key, else every column as text; text-like columns by "C". */
function orderOf(table: Pick<TableShape, 'columns' | 'primaryKey' | 'collated'>, alias?: string): string {
  const col = (c: string) => (alias ? `${alias}.${quoteIdent(c)}` : quoteIdent(c));
  if (table.primaryKey.length === 0) return table.columns.map((c) => `${col(c)}::text COLLATE "C"`).join(', ');
  return table.primaryKey.map((c) => (table.collated.includes(c) ? `${col(c)} COLLATE "C"` : col(c))).join(', ');
}
