/**
 * How a list of a module table is queried (GET /api/<module>/<table>): the data plane
 * parses it, and the generator documents and types it from the same rules.
 *
 *   column=value              equality (same as column[eq]=value)
 *   column[in]=a,b            one of the values (\, is a comma inside a value); at most MAX_IN_VALUES
 *   column[gt|gte|lt|lte]=v   ranges, on number, date and time columns only
 *   q=text                    case-insensitive search for the text in the table's searchable columns
 *   order=column | -column    default: -createdAt (newest first), else the primary key
 *   limit, cursor             keyset pages
 */

/** Query parameters of a list that are not filters: no filterable column may take one of these names. */
export const LIST_PARAMETERS: readonly string[] = ['limit', 'cursor', 'order', 'q'];

export type FilterOperator = 'eq' | 'in' | 'gt' | 'gte' | 'lt' | 'lte';
export const FILTER_OPERATORS: readonly FilterOperator[] = ['eq', 'in', 'gt', 'gte', 'lt', 'lte'];
export const RANGE_OPERATORS: readonly FilterOperator[] = ['gt', 'gte', 'lt', 'lte'];

/** PostgreSQL types (udt/typname) with an order a range means something on: numbers, dates, times. */
export const RANGE_TYPES: ReadonlySet<string> = new Set(['int2', 'int4', 'int8', 'numeric', 'float4', 'float8', 'date', 'timestamp', 'timestamptz', 'time']);
/** Types a searchable column may have. */
export const SEARCH_TYPES: ReadonlySet<string> = new Set(['varchar', 'bpchar', 'text']);
/** Types a createdAt or updatedAt column may have. */
export const TIMESTAMP_TYPES: ReadonlySet<string> = new Set(['timestamp', 'timestamptz', 'date']);

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 100;
/** Values of one column[in] list. */
export const MAX_IN_VALUES = 100;
/** Characters of q. */
export const MAX_SEARCH_LENGTH = 100;

/** The operators a column of this type takes. */
export const operatorsFor = (type: string): readonly FilterOperator[] => (RANGE_TYPES.has(type) ? FILTER_OPERATORS : ['eq', 'in']);
