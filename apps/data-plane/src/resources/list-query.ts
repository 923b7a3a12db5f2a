import { InvalidInput } from '@kryonix/domain';
import {
  DEFAULT_LIMIT,
  FILTER_OPERATORS,
  FilterOperator,
  LIST_PARAMETERS,
  MAX_IN_VALUES,
  MAX_LIMIT,
  MAX_SEARCH_LENGTH,
  RANGE_OPERATORS,
  RANGE_TYPES,
  SEARCH_TYPES,
  type ModuleTable,
} from '@kryonix/modules';
import { ColumnInfo, coerce, fromQuery } from './table-columns';

const FILTER_KEY = /^([a-z_][a-z0-9_]*)(?:\[([A-Za-z]*)\])?$/;

/** One filter: `column op value`; for `in`, value is the list. */
export interface Condition {
  column: string;
  op: FilterOperator;
  value: unknown;
}

export interface ListQuery {
  conditions: Condition[];
  /** ?q=: an ILIKE pattern (wildcards of the text escaped) over the table's searchable columns. */
  search?: { columns: string[]; pattern: string };
  order: { column: string; desc: boolean; nullable: boolean };
  /** The last row of the previous page: its order value and primary key. */
  after?: { value: unknown; key: unknown };
  limit: number;
}

type RawQuery = Record<string, string | string[] | undefined>;

/**
 * Reads a list's query string against the manifest's table and the tenant's real columns:
 * filters `col=v` and `col[op]=v` (op: eq, in, gt, gte, lt, lte; ranges on number, date and
 * time columns), `q` (search), `order`, `limit`, `cursor`. Everything becomes a value for a
 * parameter; a bad part is a 400 naming it and what is allowed.
 */
export function parseListQuery(what: string, table: ModuleTable, cols: ColumnInfo[], query: RawQuery): ListQuery {
  const byName = new Map(cols.map((c) => [c.name, c]));
  const conditions: Condition[] = [];
  for (const [key, raw] of Object.entries(query)) {
    if (raw === undefined || LIST_PARAMETERS.includes(key)) continue;
    conditions.push(condition(what, table, byName, key, one(raw, key)));
  }
  const order = parseOrder(what, table, byName, query.order);
  const pk = byName.get(table.primaryKey);
  return {
    conditions,
    search: parseSearch(what, table, byName, query.q),
    order,
    after: query.cursor === undefined ? undefined : decodeCursor(one(query.cursor, 'cursor'), orderName(order), byName.get(order.column)!, pk),
    limit: parseLimit(query.limit),
  };
}

function condition(what: string, table: ModuleTable, byName: Map<string, ColumnInfo>, key: string, raw: string): Condition {
  const match = FILTER_KEY.exec(key);
  const name = match?.[1] ?? key;
  if (!match || !table.filterable.includes(name)) {
    const search = table.searchable.length ? ` To search ${table.searchable.join(', ')}, use ?q=.` : '';
    throw new InvalidInput(`Cannot filter ${what} by "${clip(key)}"; filterable: ${table.filterable.join(', ') || 'none'} (as column=value or column[operator]=value).${search}`, { field: clip(key) });
  }
  const column = byName.get(name);
  if (!column) throw new InvalidInput(`Cannot filter ${what} by "${name}": this tenant's table has no such column.`, { field: name });
  const op = (match[2] ?? 'eq') as FilterOperator;
  if (!FILTER_OPERATORS.includes(op)) {
    throw new InvalidInput(`Unknown operator "${clip(match[2] ?? '')}" in "${clip(key)}"; operators: ${FILTER_OPERATORS.join(', ')} (gt, gte, lt, lte on number, date and time columns).`, { field: name, operator: clip(match[2] ?? '') });
  }
  if (RANGE_OPERATORS.includes(op) && !RANGE_TYPES.has(column.type)) {
    const ranged = table.filterable.filter((c) => RANGE_TYPES.has(byName.get(c)?.type ?? ''));
    throw new InvalidInput(
      `Operator "${op}" does not apply to "${name}" (${column.type}): it takes eq and in. Ranges (gt, gte, lt, lte) apply to the number, date and time columns of ${what}: ${ranged.join(', ') || 'none'}.`,
      { field: name, operator: op },
    );
  }
  if (op !== 'in') return { column: name, op, value: fromQuery(column, raw) };
  const values = splitList(raw);
  if (values.length === 0 || raw === '') throw new InvalidInput(`"${name}[in]" needs at least one value: ${name}[in]=a,b (write \\, for a comma inside a value).`, { field: name, operator: 'in' });
  if (values.length > MAX_IN_VALUES) throw new InvalidInput(`"${name}[in]" has ${values.length} values; at most ${MAX_IN_VALUES}.`, { field: name, operator: 'in' });
  return { column: name, op, value: values.map((v) => fromQuery(column, v)) };
}

/** "a,b\,c" → ["a", "b,c"]: comma-separated, `\,` a comma and `\\` a backslash inside a value. */
export function splitList(raw: string): string[] {
  const values: string[] = [];
  let current = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '\\' && i + 1 < raw.length) current += raw[++i];
    else if (ch === ',') {
      values.push(current);
      current = '';
    } else current += ch;
  }
  values.push(current);
  return values;
}

function parseSearch(what: string, table: ModuleTable, byName: Map<string, ColumnInfo>, raw: string | string[] | undefined): ListQuery['search'] {
  if (raw === undefined) return undefined;
  const text = one(raw, 'q').trim();
  if (text === '') return undefined;
  if ([...text].length > MAX_SEARCH_LENGTH) throw new InvalidInput(`"q" is at most ${MAX_SEARCH_LENGTH} characters (got ${[...text].length}).`, { field: 'q' });
  const columns = table.searchable.filter((c) => SEARCH_TYPES.has(byName.get(c)?.type ?? ''));
  if (columns.length === 0) throw new InvalidInput(`${what} has no searchable text columns; filter by ${table.filterable.join(', ') || 'its primary key'} instead.`, { field: 'q' });
  // the text is matched as it is: its own % and _ are no wildcards
  return { columns, pattern: `%${text.replace(/[\\%_]/g, '\\$&')}%` };
}

function parseOrder(what: string, table: ModuleTable, byName: Map<string, ColumnInfo>, raw: string | string[] | undefined): ListQuery['order'] {
  const orderable = [table.primaryKey, ...table.filterable.filter((c) => c !== table.primaryKey)].filter((c) => byName.has(c));
  const fallback = table.createdAt && byName.has(table.createdAt) ? `-${table.createdAt}` : table.primaryKey;
  const text = raw === undefined ? fallback : one(raw, 'order');
  const desc = text.startsWith('-');
  const column = desc ? text.slice(1) : text;
  if (!orderable.includes(column)) {
    throw new InvalidInput(`Cannot order ${what} by "${clip(column)}"; use one of ${orderable.join(', ')} (prefix - for descending; default ${fallback}).`, { field: 'order' });
  }
  return { column, desc, nullable: column !== table.primaryKey && byName.get(column)!.nullable };
}

const orderName = (order: ListQuery['order']) => `${order.desc ? '-' : ''}${order.column}`;

function parseLimit(raw: string | string[] | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const n = Number(one(raw, 'limit'));
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw new InvalidInput(`"limit" must be an integer from 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT}).`, { field: 'limit' });
  return n;
}

/** A page's cursor: the order it was made for, and its last row's order value and primary key. */
export function encodeCursor(order: ListQuery['order'], value: unknown, key: unknown): string {
  return Buffer.from(JSON.stringify([orderName(order), value ?? null, key])).toString('base64url');
}

function decodeCursor(raw: string, order: string, column: ColumnInfo, pk: ColumnInfo | undefined): ListQuery['after'] {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== 3 || typeof decoded[0] !== 'string' || !isScalar(decoded[1]) || decoded[2] === null || !isScalar(decoded[2])) {
    throw new InvalidInput('Invalid "cursor": pass back the nextCursor of the previous page.', { field: 'cursor' });
  }
  if (decoded[0] !== order) throw new InvalidInput(`This "cursor" belongs to order=${clip(decoded[0])}; give that order with it, or start again without a cursor.`, { field: 'cursor' });
  if (decoded[1] === null && !column.nullable) throw new InvalidInput('Invalid "cursor": pass back the nextCursor of the previous page.', { field: 'cursor' });
  let key: unknown = decoded[2];
  try {
    if (pk) key = coerce(pk, key);
  } catch {
    throw new InvalidInput('Invalid "cursor": pass back the nextCursor of the previous page.', { field: 'cursor' });
  }
  // an order value of the wrong kind is refused by PostgreSQL as an invalid value (400)
  return { value: decoded[1], key };
}

const isScalar = (v: unknown) => v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= 1000);

function one(raw: string | string[], name: string): string {
  if (Array.isArray(raw)) throw new InvalidInput(`Give "${clip(name)}" once.`, { field: clip(name) });
  return raw;
}

/** A name as a message quotes it: a client may send anything, at any length. */
const clip = (text: string) => (text.length > 60 ? `${text.slice(0, 60)}…` : text);
