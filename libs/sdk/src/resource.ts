import { KryonixApiError } from './errors';
import type { HttpClient, QueryValue } from './http';

/** One page of a list: pass nextCursor back as `cursor` for the next one (null on the last page). */
export interface Page<Row> {
  items: Row[];
  nextCursor: string | null;
}

/** Columns a list can be ordered by: the primary key (id) and the filterable ones (the table's created-at and updated-at among them). */
export type OrderColumn<Row, Filters> = Extract<keyof Row, 'id'> | Exclude<Extract<keyof Filters, string>, 'q'>;

export interface ListOptions<Row = unknown, Filters = unknown> {
  /** Rows per page, 1 to 100 (the data plane's default is 50). */
  limit?: number;
  /** The nextCursor of the previous page. */
  cursor?: string;
  /** A column to order by, ascending, or -column for descending (default: newest first by the table's created-at column, else id). */
  order?: OrderColumn<Row, Filters> | `-${OrderColumn<Row, Filters>}`;
}

/** The REST API of one table: /api/<module>/<table>[/<id>]. */
export class Resource<Row, Filters = Partial<Row>, Create = Partial<Row>, Update = Partial<Create>> {
  constructor(
    private readonly http: HttpClient,
    readonly module: string,
    readonly table: string,
  ) {}

  private get path(): string {
    return `/api/${encodeURIComponent(this.module)}/${encodeURIComponent(this.table)}`;
  }

  private pathOf(id: string): string {
    if (typeof id !== 'string' || id === '') throw new KryonixApiError(0, 'INVALID_INPUT', `${this.module}.${this.table}: an id is required.`);
    return `${this.path}/${encodeURIComponent(id)}`;
  }

  /**
   * One page of rows matching the filters: per filterable column a value (equality) or
   * operators ({ in: [...] }; { gte, lt, … } on number, date and time columns), all of them
   * combined with AND; `q` searches the table's searchable text columns.
   */
  list(filters?: Filters, options: ListOptions<Row, Filters> = {}): Promise<Page<Row>> {
    const query = filterQuery(filters);
    if (options.limit !== undefined) query.limit = options.limit;
    if (options.cursor !== undefined) query.cursor = options.cursor;
    if (options.order !== undefined) query.order = options.order;
    return this.http.request<Page<Row>>('GET', this.path, { query });
  }

  /** Every page of rows matching the filters, fetched one after the other as they are consumed. */
  async *pages(filters?: Filters, options: Omit<ListOptions<Row, Filters>, 'cursor'> = {}): AsyncGenerator<Page<Row>, void, undefined> {
    let cursor: string | undefined;
    do {
      const page = await this.list(filters, { ...options, cursor });
      yield page;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  /** Every row matching the filters, page after page: `for await (const row of resource.listAll(filters)) …`. */
  async *listAll(filters?: Filters, options: Omit<ListOptions<Row, Filters>, 'cursor'> = {}): AsyncGenerator<Row, void, undefined> {
    for await (const page of this.pages(filters, options)) yield* page.items;
  }

  /** The row with this id (KryonixApiError 404 NOT_FOUND if there is none). */
  async get(id: string): Promise<Row> {
    return this.http.request<Row>('GET', this.pathOf(id));
  }

  /** Inserts a row and returns it as stored (defaults filled in). */
  create(body: Create): Promise<Row> {
    return this.http.request<Row>('POST', this.path, { body });
  }

  /** Changes the given fields of a row and returns the whole row. */
  async update(id: string, body: Update): Promise<Row> {
    return this.http.request<Row>('PATCH', this.pathOf(id), { body });
  }

  /** Deletes a row (KryonixApiError 404 NOT_FOUND if there is none). */
  async remove(id: string): Promise<void> {
    await this.http.request<void>('DELETE', this.pathOf(id));
  }
}

/** { status: { in: ['a', 'b'] }, valor: { gte: 10 } } → status[in]=a,b&valor[gte]=10, a comma or backslash inside an `in` value escaped with a backslash. */
function filterQuery(filters: unknown): Record<string, QueryValue> {
  const query: Record<string, QueryValue> = {};
  for (const [column, filter] of Object.entries((filters ?? {}) as Record<string, unknown>)) {
    if (filter === undefined) continue;
    if (filter === null || typeof filter !== 'object') {
      query[column] = filter as QueryValue;
      continue;
    }
    for (const [op, value] of Object.entries(filter as Record<string, unknown>)) {
      if (value === undefined) continue;
      query[`${column}[${op}]`] = Array.isArray(value) ? value.map((v) => String(v).replace(/[\\,]/g, '\\$&')).join(',') : (value as QueryValue);
    }
  }
  return query;
}
