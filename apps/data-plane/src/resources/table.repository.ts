import type { TenantQueryable } from '../pools/tenant-session';
import { quoteIdent } from '@kryonix/domain';
import type { ListQuery } from './list-query';
import type { ColumnInfo } from './table-columns';

const COMPARISON = { eq: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/**
 * The only SQL of the module REST API. Table and column names come from the
 * module manifest and the catalog (never from the request) and are quoted;
 * every value is a parameter. Every statement names its schema (`qualified`), never
 * resting on the search path: it runs on a connection acting as the tenant, whose switch
 * (its role only) goes out in the same round trip as the first statement (TenantSession);
 * the search path is only pg_catalog on every data-plane connection (GATEWAY_SEARCH_PATH),
 * so a statement that named no schema would find no table of any tenant.
 */
export class TableRepository {
  constructor(
    private readonly client: TenantQueryable,
    private readonly schema: string,
    private readonly table: string,
    private readonly primaryKey: string,
  ) {}

  private get pk(): string {
    return quoteIdent(this.primaryKey);
  }

  private get qualified(): string {
    return `${quoteIdent(this.schema)}.${quoteIdent(this.table)}`;
  }

  /**
   * The table's columns, from the system catalog itself: what `information_schema.columns`
   * says (a domain's column as its base type, with the domain's NOT NULL; only the columns the
   * role owns or has a right on: none once a move's cut-over took them), in a fraction of its
   * cost (that view's planning alone is milliseconds on a server holding thousands of tenants'
   * tables). An identity or a generated column counts as having a default: an insert may leave it out.
   */
  async columns(): Promise<ColumnInfo[]> {
    const { rows } = await this.client.query<{ name: string; type: string; nullable: boolean; has_default: boolean; max_length: number | null }>(
      `SELECT a.attname AS name, coalesce(b.typname, t.typname) AS type,
              NOT (a.attnotnull OR (t.typtype = 'd' AND t.typnotnull)) AS nullable,
              a.atthasdef OR a.attidentity <> '' AS has_default,
              CASE WHEN coalesce(b.typname, t.typname) IN ('varchar', 'bpchar')
                   THEN nullif(CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END, -1) - 4 END AS max_length
         FROM pg_catalog.pg_attribute a
         JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
         LEFT JOIN pg_catalog.pg_type b ON t.typtype = 'd' AND b.oid = t.typbasetype
        WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
          AND (pg_catalog.pg_has_role(c.relowner, 'USAGE') OR pg_catalog.has_column_privilege(c.oid, a.attnum, 'SELECT, INSERT, UPDATE, REFERENCES'))
        ORDER BY a.attnum`,
      [this.schema, this.table],
    );
    return rows.map((r) => ({ name: r.name, type: r.type, nullable: r.nullable, hasDefault: r.has_default, maxLength: r.max_length }));
  }

  /**
   * One page in the query's order (NULLS LAST either way), the primary key breaking ties;
   * a cursor continues after the previous page's last row. A nullable order column is read
   * in two parts, its values then its NULLs, so that each part is one range of an index on
   * (column, primary key) — the migrations' idx_<table>_recent for the default order — and
   * the cursor never skips or repeats a row.
   */
  async list(query: ListQuery): Promise<Record<string, unknown>[]> {
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const where = query.conditions.map((c) => (c.op === 'in' ? `${quoteIdent(c.column)} = ANY(${param(c.value)})` : `${quoteIdent(c.column)} ${COMPARISON[c.op]} ${param(c.value)}`));
    if (query.search) {
      const pattern = param(query.search.pattern);
      where.push(`(${query.search.columns.map((c) => `${quoteIdent(c)} ILIKE ${pattern} ESCAPE '\\'`).join(' OR ')})`);
    }
    const pk = quoteIdent(this.primaryKey);
    const { desc, nullable } = query.order;
    const column = quoteIdent(query.order.column);
    const dir = desc ? 'DESC' : 'ASC';
    const after = desc ? '<' : '>';
    const limit = param(query.limit);
    const select = (conditions: string[], order: string) => `SELECT * FROM ${this.qualified}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ${limit}`;
    const run = async (sql: string) => (await this.client.query(sql, params)).rows;

    if (query.order.column === this.primaryKey) {
      return run(select(query.after ? [...where, `${pk} ${after} ${param(query.after.key)}`] : where, `${pk} ${dir}`));
    }
    if (!nullable) {
      const past = query.after ? [`(${column}, ${pk}) ${after} (${param(query.after.value)}, ${param(query.after.key)})`] : [];
      return run(select([...where, ...past], `${column} ${dir}, ${pk} ${dir}`));
    }
    // Each part in the order the index reads (forward for DESC, backward for ASC): where the
    // column is all NULL or has none, that is the page's order, and no part is sorted.
    const indexOrder = `${column} ${desc ? 'DESC NULLS LAST' : 'ASC NULLS FIRST'}, ${pk} ${dir}`;
    // The first page newest first (the default order) is the index's own order, NULLs last: one range, one statement.
    if (desc && !query.after) return run(select(where, indexOrder));
    const nulls = (extra: string[]) => select([...where, `${column} IS NULL`, ...extra], indexOrder);
    // the cursor is among the NULLs already: the rest of them
    if (query.after && query.after.value === null) return run(nulls([`${pk} ${after} ${param(query.after.key)}`]));
    const past = query.after ? `(${column}, ${pk}) ${after} (${param(query.after.value)}, ${param(query.after.key)})` : `${column} IS NOT NULL`;
    const values = select([...where, past], indexOrder);
    return run(`SELECT * FROM ((${values}) UNION ALL (${nulls([])})) AS page ORDER BY ${column} ${dir} NULLS LAST, ${pk} ${dir} LIMIT ${limit}`);
  }

  async get(id: unknown): Promise<Record<string, unknown> | undefined> {
    return (await this.client.query(`SELECT * FROM ${this.qualified} WHERE ${this.pk} = $1`, [id])).rows[0];
  }

  async insert(values: Array<[string, unknown]>): Promise<Record<string, unknown>> {
    if (values.length === 0) return (await this.client.query(`INSERT INTO ${this.qualified} DEFAULT VALUES RETURNING *`)).rows[0];
    const columns = values.map(([c]) => quoteIdent(c)).join(', ');
    const placeholders = values.map((_, i) => `$${i + 1}`).join(', ');
    return (await this.client.query(`INSERT INTO ${this.qualified} (${columns}) VALUES (${placeholders}) RETURNING *`, values.map(([, v]) => v))).rows[0];
  }

  /** `stamp`: a timestamp column set to now() as well (the table's updatedAt). */
  async update(id: unknown, values: Array<[string, unknown]>, stamp?: string): Promise<Record<string, unknown> | undefined> {
    const sets = [...values.map(([c], i) => `${quoteIdent(c)} = $${i + 2}`), ...(stamp ? [`${quoteIdent(stamp)} = now()`] : [])].join(', ');
    return (await this.client.query(`UPDATE ${this.qualified} SET ${sets} WHERE ${this.pk} = $1 RETURNING *`, [id, ...values.map(([, v]) => v)])).rows[0];
  }

  async delete(id: unknown): Promise<boolean> {
    return ((await this.client.query(`DELETE FROM ${this.qualified} WHERE ${this.pk} = $1`, [id])).rowCount ?? 0) > 0;
  }
}
