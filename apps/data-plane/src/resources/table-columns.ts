import { InvalidInput } from '@kryonix/domain';

export interface ColumnInfo {
  name: string;
  /** PostgreSQL udt name: uuid, varchar, int4, numeric, bool, timestamp, date, time, jsonb, … */
  type: string;
  nullable: boolean;
  hasDefault: boolean;
  maxLength: number | null;
}

const bad = (column: string, expected: string) => new InvalidInput(`Field "${column}" must be ${expected}.`, { field: column });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$/;

/**
 * Checks one value against its column and returns what to send as a query
 * parameter. Messages say what the field must be, for a tenant app developer.
 */
export function coerce(column: ColumnInfo, value: unknown): unknown {
  if (value === null) {
    if (!column.nullable) throw bad(column.name, 'present (it cannot be null)');
    return null;
  }
  switch (column.type) {
    case 'uuid':
      if (typeof value !== 'string' || !UUID.test(value)) throw bad(column.name, 'a UUID');
      return value;
    case 'varchar':
    case 'bpchar':
    case 'text':
    case 'interval':
      if (typeof value !== 'string') throw bad(column.name, 'a string');
      if (column.maxLength !== null && [...value].length > column.maxLength) throw bad(column.name, `at most ${column.maxLength} characters`);
      return value;
    case 'int2':
    case 'int4':
    case 'int8':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw bad(column.name, 'an integer');
      if (column.type === 'int4' && Math.abs(value) > 2147483647) throw bad(column.name, 'an integer between -2147483648 and 2147483647');
      return value;
    case 'numeric':
    case 'float4':
    case 'float8':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return value;
      throw bad(column.name, 'a number');
    case 'bool':
      if (typeof value !== 'boolean') throw bad(column.name, 'true or false');
      return value;
    case 'timestamp':
    case 'timestamptz':
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw bad(column.name, 'a date-time such as 2026-11-22T14:30:00');
      return value;
    case 'date':
      if (typeof value !== 'string' || !DATE.test(value) || Number.isNaN(Date.parse(value))) throw bad(column.name, 'a date such as 2026-11-22');
      return value;
    case 'time':
      if (typeof value !== 'string' || !TIME.test(value)) throw bad(column.name, 'a time such as 14:30');
      return value;
    case 'json':
    case 'jsonb':
      return JSON.stringify(value);
    case 'point':
      if (typeof value === 'object' && value && typeof (value as { x?: unknown }).x === 'number' && typeof (value as { y?: unknown }).y === 'number') {
        return `(${(value as { x: number }).x},${(value as { y: number }).y})`;
      }
      throw bad(column.name, 'a point { "x": number, "y": number }');
    default:
      if (typeof value !== 'string') throw bad(column.name, 'a string');
      return value;
  }
}

/** Query-string values arrive as strings: turn them into what the column takes. */
export function fromQuery(column: ColumnInfo, raw: string): unknown {
  switch (column.type) {
    case 'int2':
    case 'int4':
    case 'int8':
      if (!/^-?\d+$/.test(raw)) throw bad(column.name, 'an integer');
      return coerce(column, Number(raw));
    case 'numeric':
    case 'float4':
    case 'float8':
      return coerce(column, raw);
    case 'bool':
      if (raw !== 'true' && raw !== 'false') throw bad(column.name, 'true or false');
      return raw === 'true';
    default:
      return coerce(column, raw);
  }
}
