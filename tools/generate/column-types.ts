import { operatorsFor, type FilterOperator } from '@kryonix/modules';
import type { ColumnFacts, TableFacts } from './module-tables';

/** A JSON schema as OpenAPI 3.0 writes it. */
export type JsonSchema = Record<string, unknown>;

/** How a column's values travel: as the data plane returns them (row) and as it takes them (input). */
export interface ValueShape {
  rowTs: string;
  inputTs: string;
  rowSchema: JsonSchema;
  inputSchema: JsonSchema;
}

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const DECIMAL_PATTERN = '^-?[0-9]+(\\.[0-9]+)?$';
const TIME_PATTERN = '^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]+)?)?$';
const same = (ts: string, schema: JsonSchema): ValueShape => ({ rowTs: ts, inputTs: ts, rowSchema: schema, inputSchema: schema });

/**
 * The data plane's wire format per PostgreSQL type (node-postgres' parsers, with DATE,
 * TIME and TIMESTAMP kept as the text PostgreSQL writes; table-columns.ts checks inputs):
 * NUMERIC and BIGINT come back as strings (no float rounding), JSON as its value, POINT as
 * { x, y }, INTERVAL as its non-zero parts; types it has no parser for, as their text.
 */
function scalarShape(column: ColumnFacts): ValueShape {
  switch (column.type) {
    case 'uuid':
      return same('string', { type: 'string', format: 'uuid' });
    case 'varchar':
    case 'bpchar':
      return same('string', column.maxLength === null ? { type: 'string' } : { type: 'string', maxLength: column.maxLength });
    case 'int2':
      return same('number', { type: 'integer', minimum: -32768, maximum: 32767 });
    case 'int4':
      return same('number', { type: 'integer', format: 'int32' });
    case 'int8':
      return { rowTs: 'string', inputTs: 'number', rowSchema: { type: 'string', pattern: '^-?[0-9]+$' }, inputSchema: { type: 'integer', format: 'int64' } };
    case 'numeric':
      return {
        rowTs: 'Decimal',
        inputTs: 'DecimalInput',
        rowSchema: { type: 'string', pattern: DECIMAL_PATTERN, description: 'An exact decimal, as a string.' },
        inputSchema: { anyOf: [{ type: 'number' }, { type: 'string', pattern: DECIMAL_PATTERN }] },
      };
    case 'float4':
    case 'float8':
      return same('number', { type: 'number' });
    case 'bool':
      return same('boolean', { type: 'boolean' });
    case 'date':
      return same('string', { type: 'string', format: 'date' });
    case 'time':
      return same('string', { type: 'string', pattern: TIME_PATTERN });
    case 'timestamp':
      return { rowTs: 'string', inputTs: 'string', rowSchema: { type: 'string', description: 'As PostgreSQL writes it: 2026-12-01 14:00:00 (no time zone).' }, inputSchema: { type: 'string', description: 'A date-time such as 2026-12-01T14:00:00.' } };
    case 'timestamptz':
      return same('string', { type: 'string', format: 'date-time' });
    case 'json':
    case 'jsonb':
      return same('unknown', {});
    case 'point':
      return same('Point', ref('Point'));
    case 'interval':
      return { rowTs: 'Interval', inputTs: 'string', rowSchema: ref('Interval'), inputSchema: { type: 'string', description: "An interval such as '1 day' or '2 hours'." } };
    default:
      return same('string', { type: 'string' });
  }
}

/** The column's values; a nullable column also takes and returns null. */
export function valueShape(column: ColumnFacts): ValueShape {
  const scalar = scalarShape(column);
  // node-postgres parses arrays of the types it knows; the data plane takes an array as its text ('{a,b}').
  const shape: ValueShape = column.array
    ? { rowTs: arrayOf(scalar.rowTs), inputTs: 'string', rowSchema: { type: 'array', items: scalar.rowSchema }, inputSchema: { type: 'string', description: "A PostgreSQL array literal such as '{a,b}'." } }
    : scalar;
  if (column.notNull) return shape;
  return { rowTs: orNull(shape.rowTs), inputTs: orNull(shape.inputTs), rowSchema: nullable(shape.rowSchema), inputSchema: nullable(shape.inputSchema) };
}

const arrayOf = (ts: string) => (/^\w+$/.test(ts) ? `${ts}[]` : `Array<${ts}>`);
const orNull = (ts: string) => (ts === 'unknown' ? ts : `${ts} | null`);

function nullable(schema: JsonSchema): JsonSchema {
  if (Object.keys(schema).length === 0) return schema;
  // OpenAPI 3.0: `nullable` sits beside a `type`; a $ref takes no siblings.
  if ('$ref' in schema) return { allOf: [schema], nullable: true };
  if (Array.isArray(schema.anyOf)) return { ...schema, anyOf: schema.anyOf.map((s: JsonSchema) => nullable(s)) };
  return { ...schema, nullable: true };
}

/** Columns a new row may be given: all but generated ones, identities that refuse a value, and a primary key the server assigns. */
export function writableColumns(table: TableFacts): ColumnFacts[] {
  return table.columns.filter((c) => !c.generated && c.identity !== 'always' && !(c.primaryKey && (c.hasDefault || c.identity !== null)));
}

/** A create must give it: NOT NULL, no default, not generated, not an identity. */
export function requiredOnCreate(column: ColumnFacts): boolean {
  return column.notNull && !column.hasDefault && !column.generated && column.identity === null;
}

/** What a list can be ordered by, as the data plane allows: the primary key and the filterable columns. */
export function orderColumns(table: TableFacts): string[] {
  return [...new Set([table.primaryKey, ...table.filterable])];
}

/** A list's order when none is given: newest first by the table's createdAt, else its primary key. */
export function defaultOrder(table: TableFacts): string {
  return table.createdAt ? `-${table.createdAt}` : table.primaryKey;
}

/** The operators a filterable column takes (ranges on number, date and time columns). */
export function filterOperators(column: ColumnFacts): readonly FilterOperator[] {
  return column.array ? ['eq', 'in'] : operatorsFor(column.type);
}

/** "VARCHAR(255), NOT NULL, has a default" — how a generated file describes a column. */
export function describeColumn(column: ColumnFacts): string {
  const facts = [column.sqlType];
  if (column.primaryKey) facts.push('primary key');
  if (column.notNull && !column.primaryKey) facts.push('NOT NULL');
  if (column.identity) facts.push(`identity (${column.identity})`);
  if (column.generated) facts.push('generated');
  if (column.hasDefault) facts.push('has a default');
  return facts.join(', ') + (column.comment ? ` — ${column.comment.replace(/\s+/g, ' ').trim()}` : '');
}
