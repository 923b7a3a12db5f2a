import type { PoolClient } from 'pg';
import { quoteIdent } from '@kryonix/domain';
import type { ColumnInfo } from './table-columns';

export interface ListOptions {
  filters: Array<[string, unknown]>;
  order: { column: string; desc: boolean };
  /** Keyset cursor: the last row's (order value, id). */
  after?: [unknown, string];
  limit: number;
}

/**
 * The only SQL of the module REST API. Table and column names come from the
 * module manifest and the catalog (never from the request) and are quoted;
 * every value is a parameter. Runs on a connection already acting as the tenant,
 * so `table` resolves in the tenant's own schema.
 */
export class TableRepository {
  constructor(
    private readonly client: PoolClient,
    private readonly schema: string,
    private readonly table: string,
  ) {}

  private get qualified(): string {
    return `${quoteIdent(this.schema)}.${quoteIdent(this.table)}`;
  }

  async columns(): Promise<ColumnInfo[]> {
    const { rows } = await this.client.query<{ name: string; type: string; nullable: boolean; has_default: boolean; max_length: number | null }>(
      `SELECT column_name AS name, udt_name AS type, is_nullable = 'YES' AS nullable, column_default IS NOT NULL AS has_default,
              character_maximum_length AS max_length
         FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
      [this.schema, this.table],
    );
    return rows.map((r) => ({ name: r.name, type: r.type, nullable: r.nullable, hasDefault: r.has_default, maxLength: r.max_length }));
  }

  async list(opts: ListOptions): Promise<Record<string, unknown>[]> {
    const params: unknown[] = [];
    const where = opts.filters.map(([column, value]) => {
      params.push(value);
      return `${quoteIdent(column)} = $${params.length}`;
    });
    const order = quoteIdent(opts.order.column);
    const cmp = opts.order.desc ? '<' : '>';
    if (opts.after && opts.order.column === 'id') {
      params.push(opts.after[1]);
      where.push(`id ${cmp} $${params.length}`);
    } else if (opts.after) {
      params.push(opts.after[0], opts.after[1]);
      where.push(`(${order}, id) ${cmp} ($${params.length - 1}, $${params.length})`);
    }
    params.push(opts.limit);
    const direction = opts.order.desc ? 'DESC' : 'ASC';
    const sql = `SELECT * FROM ${this.qualified}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} ${direction}${opts.order.column === 'id' ? '' : `, id ${direction}`} LIMIT $${params.length}`;
    return (await this.client.query(sql, params)).rows;
  }

  async get(id: string): Promise<Record<string, unknown> | undefined> {
    return (await this.client.query(`SELECT * FROM ${this.qualified} WHERE id = $1`, [id])).rows[0];
  }

  async insert(values: Array<[string, unknown]>): Promise<Record<string, unknown>> {
    if (values.length === 0) return (await this.client.query(`INSERT INTO ${this.qualified} DEFAULT VALUES RETURNING *`)).rows[0];
    const columns = values.map(([c]) => quoteIdent(c)).join(', ');
    const placeholders = values.map((_, i) => `$${i + 1}`).join(', ');
    return (await this.client.query(`INSERT INTO ${this.qualified} (${columns}) VALUES (${placeholders}) RETURNING *`, values.map(([, v]) => v))).rows[0];
  }

  /** `stamp`: a timestamp column set to now() as well (the table's updatedAt). */
  async update(id: string, values: Array<[string, unknown]>, stamp?: string): Promise<Record<string, unknown> | undefined> {
    const sets = [...values.map(([c], i) => `${quoteIdent(c)} = $${i + 2}`), ...(stamp ? [`${quoteIdent(stamp)} = now()`] : [])].join(', ');
    return (await this.client.query(`UPDATE ${this.qualified} SET ${sets} WHERE id = $1 RETURNING *`, [id, ...values.map(([, v]) => v)])).rows[0];
  }

  async delete(id: string): Promise<boolean> {
    return ((await this.client.query(`DELETE FROM ${this.qualified} WHERE id = $1`, [id])).rowCount ?? 0) > 0;
  }
}
