import { MAX_IN_VALUES, MAX_SEARCH_LENGTH } from '@kryonix/modules';
import { JsonSchema, defaultOrder, describeColumn, filterOperators, orderColumns, requiredOnCreate, valueShape, writableColumns } from './column-types';
import type { ColumnFacts, ModuleFacts, TableFacts } from './module-tables';
import { rowTypeNames } from './type-names';

const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const responseRef = (name: string) => ({ $ref: `#/components/responses/${name}` });

/** The error answers, as the data plane's exception filter writes them. */
const ERRORS: Record<string, string> = {
  '400': '`INVALID_INPUT`: an unknown field or filter, an operator the column does not take, a bad value, limit or cursor; the message names the field and what is allowed.',
  '401': '`UNAUTHORIZED`: no key, or not a valid key.',
  '403': '`FORBIDDEN` (a key of another tenant) or `TENANT_SUSPENDED`.',
  '404': '`NOT_FOUND` (no such row), `MODULE_NOT_AVAILABLE` (a module the tenant has not bought) or `TENANT_NOT_FOUND`.',
  '409': '`ROW_CONFLICT`: a unique constraint.',
  '422': '`UNPROCESSABLE`: a missing referenced row, or a broken check.',
  '429': '`RATE_LIMITED`: over the tenant’s requests per minute (see Retry-After).',
  '503': '`UNAVAILABLE`: the tenant’s database is away for a moment; retry.',
};
const errorResponses = (...statuses: string[]) => Object.fromEntries(['400', '401', '403', '404', ...statuses, '429', '503'].sort().map((s) => [s, responseRef(`Error${s}`)]));

/** docs/openapi/data-plane.json: the routes each manifest table gets, with the bodies its real columns take. */
export function renderDataPlaneOpenApi(modules: ModuleFacts[]): string {
  const names = rowTypeNames(modules);
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {
    Error: {
      type: 'object',
      required: ['error'],
      properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string', example: 'INVALID_INPUT' }, message: { type: 'string' } } } },
    },
    Interval: {
      type: 'object',
      description: "An INTERVAL: its non-zero parts, e.g. { days: 1 }; sent as a string ('1 day').",
      properties: Object.fromEntries(['years', 'months', 'days', 'hours', 'minutes', 'seconds', 'milliseconds'].map((p) => [p, { type: 'number' }])),
    },
    Point: { type: 'object', required: ['x', 'y'], properties: { x: { type: 'number' }, y: { type: 'number' } } },
  };
  for (const module of modules) {
    for (const table of module.tables) {
      const row = names.get(`${module.name}.${table.name}`)!;
      Object.assign(schemas, tableSchemas(row, table));
      Object.assign(paths, tablePaths(module.name, table, row));
    }
  }
  const document = {
    openapi: '3.0.3',
    info: {
      title: 'Kryonix data plane',
      version: '1',
      description:
        'The tables of each module the tenant has bought, at https://<tenant>.<base domain>/api/<module>/<table>. The tenant is the Host subdomain; the API key (`Authorization: Bearer sk_…` or `X-API-Key`) must be one of its keys. Fields are the SQL column names. Lists: filters `column=value`, `column[in]=a,b`, `column[gte]=…` (gt, gte, lt, lte on number, date and time columns), `q` (search), `order`, keyset pages (`limit`, `cursor`). Errors: `{ "error": { "code", "message" } }`.',
    },
    servers: [{ url: 'https://{tenant}.{baseDomain}', variables: { tenant: { default: 'siqueiracampos' }, baseDomain: { default: 'localhost' } } }],
    security: [{ bearer: [] }, { apiKey: [] }],
    tags: modules.map((m) => ({ name: m.name, description: `${m.title}${m.description ? ` — ${m.description}` : ''}` })),
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'The tenant’s API key, sk_<tenant>_<32 hex>.' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
      parameters: {
        limit: { name: 'limit', in: 'query', required: false, description: 'Rows per page.', schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 } },
        cursor: { name: 'cursor', in: 'query', required: false, description: 'The nextCursor of the previous page.', schema: { type: 'string' } },
      },
      responses: Object.fromEntries(Object.entries(ERRORS).map(([status, description]) => [`Error${status}`, { description, content: { 'application/json': { schema: schemaRef('Error') } } }])),
      schemas,
    },
  };
  return JSON.stringify(document, null, 2) + '\n';
}

function tableSchemas(row: string, table: TableFacts): Record<string, unknown> {
  const writable = writableColumns(table);
  const required = writable.filter(requiredOnCreate).map((c) => c.name);
  const body = (withRequired: boolean): JsonSchema => ({
    type: 'object',
    ...(withRequired && required.length ? { required } : {}),
    ...(withRequired ? {} : { minProperties: 1 }),
    additionalProperties: false,
    properties: Object.fromEntries(writable.map((c) => [c.name, { ...valueShape(c).inputSchema }])),
  });
  return {
    [row]: {
      type: 'object',
      required: table.columns.map((c) => c.name),
      properties: Object.fromEntries(table.columns.map((c) => [c.name, withDescription(valueShape(c).rowSchema, describeColumn(c))])),
    },
    [`${row}Create`]: body(true),
    [`${row}Page`]: { type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items: schemaRef(row) }, nextCursor: { type: 'string', nullable: true } } },
    [`${row}Update`]: body(false),
  };
}

/** The column's SQL facts as its description (a $ref takes no siblings in OpenAPI 3.0: wrapped). */
function withDescription(schema: JsonSchema, description: string): JsonSchema {
  if ('$ref' in schema) return { allOf: [schema], description };
  return { ...schema, description: schema.description ? `${description}. ${schema.description}` : description };
}

function tablePaths(module: string, table: TableFacts, row: string): Record<string, unknown> {
  const what = `${module}.${table.name}`;
  const json = (schema: unknown) => ({ 'application/json': { schema } });
  const id = table.columns.find((c) => c.name === 'id');
  const idParameter = { name: 'id', in: 'path', required: true, schema: id ? { ...valueShape({ ...id, notNull: true }).rowSchema } : { type: 'string' } };
  const order = orderColumns(table).flatMap((c) => [c, `-${c}`]);
  const filters = table.filterable.map((name) => filterParameter(table.columns.find((c) => c.name === name)!));
  const search = table.searchable.length
    ? [{ name: 'q', in: 'query', required: false, description: `Case-insensitive search for this text anywhere in ${table.searchable.join(', ')} (% and _ match themselves).`, schema: { type: 'string', maxLength: MAX_SEARCH_LENGTH } }]
    : [];
  const operation = (verb: string, summary: string, rest: Record<string, unknown>) => ({ tags: [module], operationId: `${module}.${table.name}.${verb}`, summary, ...rest });
  return {
    [`/api/${module}/${table.name}`]: {
      get: operation('list', `List ${what} (keyset pages)`, {
        parameters: [
          ...filters,
          ...search,
          { $ref: '#/components/parameters/limit' },
          { $ref: '#/components/parameters/cursor' },
          {
            name: 'order',
            in: 'query',
            required: false,
            description: `A column, ascending, or -column for descending; NULLs last, ties broken by ${table.primaryKey}. Default: ${table.createdAt ? `newest first (-${table.createdAt})` : `${table.primaryKey} (the table has no creation column)`}.`,
            schema: { type: 'string', enum: order, default: defaultOrder(table) },
          },
        ],
        responses: { '200': { description: 'One page.', content: json(schemaRef(`${row}Page`)) }, ...errorResponses() },
      }),
      post: operation('create', `Create a row of ${what}`, {
        requestBody: { required: true, content: json(schemaRef(`${row}Create`)) },
        responses: { '201': { description: 'The new row.', content: json(schemaRef(row)) }, ...errorResponses('409', '422') },
      }),
    },
    [`/api/${module}/${table.name}/{id}`]: {
      parameters: [idParameter],
      get: operation('get', `One row of ${what}`, { responses: { '200': { description: 'The row.', content: json(schemaRef(row)) }, ...errorResponses() } }),
      patch: operation('update', `Update a row of ${what}`, {
        requestBody: { required: true, content: json(schemaRef(`${row}Update`)) },
        responses: { '200': { description: 'The updated row.', content: json(schemaRef(row)) }, ...errorResponses('409', '422') },
      }),
      delete: operation('delete', `Delete a row of ${what}`, { responses: { '204': { description: 'Deleted.' }, ...errorResponses('422') } }),
    },
  };
}

/**
 * One parameter per filterable column, as a deepObject: `status=novo` (equality, also
 * `status[eq]`), `status[in]=novo,cliente`, and on number, date and time columns
 * `valor[gte]=10&valor[lt]=100`.
 */
function filterParameter(column: ColumnFacts): Record<string, unknown> {
  const value = valueShape({ ...column, notNull: true }).rowSchema;
  const operators = filterOperators(column);
  const properties: Record<string, unknown> = {};
  for (const op of operators) {
    properties[op] =
      op === 'in'
        ? { type: 'string', description: `One of these values, comma-separated (\\, for a comma inside a value), at most ${MAX_IN_VALUES}.` }
        : { ...value, description: { eq: 'Equal to.', gt: 'Greater than.', gte: 'At least.', lt: 'Less than.', lte: 'At most.' }[op] };
  }
  return {
    name: column.name,
    in: 'query',
    required: false,
    description: `${column.sqlType}: \`${column.name}=v\` (equal), ${operators.map((op) => `\`${column.name}[${op}]\``).join(', ')}; combined with AND.`,
    style: 'deepObject',
    explode: true,
    schema: { type: 'object', additionalProperties: false, properties },
  };
}
