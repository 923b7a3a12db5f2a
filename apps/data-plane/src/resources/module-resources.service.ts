import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { DatabaseError } from 'pg';
import { InvalidInput, NotFound, ModuleNotAvailable, RowConflict, Unprocessable } from '@kryonix/domain';
import { ModuleCatalog } from '@kryonix/modules';
import type { TenantRoute } from '@kryonix/routes';
import { TenantConnections } from '../pools/tenant-connections';
import { ColumnInfo, coerce, fromQuery } from './table-columns';
import { TableRepository } from './table.repository';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 100;
const RESERVED_QUERY = new Set(['limit', 'cursor', 'order']);

interface Target {
  schema: string;
  table: string;
  filterable: string[];
  /** Set to now() by every update (the manifest's updatedAt). */
  updatedAt?: string;
}

/** The module REST API, generated from the module manifests: list, get, create, update, delete. */
@Injectable()
export class ModuleResources {
  /** Columns per schema.table, read from the catalog once (they change only with a migration). */
  private readonly columns = new LRUCache<string, ColumnInfo[]>({ max: 10_000, ttl: 60_000 });

  constructor(
    private readonly catalog: ModuleCatalog,
    private readonly connections: TenantConnections,
  ) {}

  async list(route: TenantRoute, module: string, table: string, query: Record<string, string | string[] | undefined>) {
    const target = this.target(route, module, table);
    return this.run(route, target, async (repo, cols) => {
      const byName = new Map(cols.map((c) => [c.name, c]));
      const filters: Array<[string, unknown]> = [];
      for (const [key, raw] of Object.entries(query)) {
        if (RESERVED_QUERY.has(key) || raw === undefined) continue;
        if (!target.filterable.includes(key)) {
          throw new InvalidInput(`Cannot filter ${module}.${table} by "${key}"; filterable: ${target.filterable.join(', ') || 'none'}.`);
        }
        const column = byName.get(key);
        if (!column) throw new InvalidInput(`Cannot filter ${module}.${table} by "${key}": this tenant's table has no such column.`);
        filters.push([key, fromQuery(column, one(raw, key))]);
      }
      const limit = parseLimit(query.limit);
      const orderParam = query.order === undefined ? 'id' : one(query.order, 'order');
      const desc = orderParam.startsWith('-');
      const orderColumn = desc ? orderParam.slice(1) : orderParam;
      const orderable = ['id', 'created_at', ...target.filterable].filter((c) => byName.has(c));
      if (!orderable.includes(orderColumn)) throw new InvalidInput(`Cannot order by "${orderColumn}"; use one of ${orderable.join(', ')} (prefix - for descending).`);
      const after = query.cursor === undefined ? undefined : decodeCursor(one(query.cursor, 'cursor'));
      const rows = await repo.list({ filters, order: { column: orderColumn, desc }, after, limit: limit + 1 });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return { items: page, nextCursor: rows.length > limit && last ? encodeCursor([last[orderColumn], String(last.id)]) : null };
    });
  }

  get(route: TenantRoute, module: string, table: string, id: string) {
    const target = this.target(route, module, table);
    return this.run(route, target, async (repo, cols) => {
      const row = await repo.get(idValue(cols, id));
      if (!row) throw new NotFound(`No ${module}.${table} with id ${id}.`);
      return row;
    });
  }

  create(route: TenantRoute, module: string, table: string, body: unknown) {
    const target = this.target(route, module, table);
    return this.run(route, target, async (repo, cols) => {
      const values = this.values(cols, body, `${module}.${table}`);
      const missing = cols.filter((c) => !c.nullable && !c.hasDefault && !values.some(([n]) => n === c.name)).map((c) => c.name);
      if (missing.length) throw new InvalidInput(`Missing required field${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}.`);
      return repo.insert(values);
    });
  }

  update(route: TenantRoute, module: string, table: string, id: string, body: unknown) {
    const target = this.target(route, module, table);
    return this.run(route, target, async (repo, cols) => {
      const values = this.values(cols, body, `${module}.${table}`).filter(([name]) => name !== 'id');
      if (values.length === 0) throw new InvalidInput('Nothing to update: send at least one field.');
      // the table's last-change stamp, unless the app sets it itself
      const stamp = target.updatedAt && !values.some(([name]) => name === target.updatedAt) ? target.updatedAt : undefined;
      const row = await repo.update(idValue(cols, id), values, stamp);
      if (!row) throw new NotFound(`No ${module}.${table} with id ${id}.`);
      return row;
    });
  }

  remove(route: TenantRoute, module: string, table: string, id: string) {
    const target = this.target(route, module, table);
    return this.run(route, target, async (repo, cols) => {
      if (!(await repo.delete(idValue(cols, id)))) throw new NotFound(`No ${module}.${table} with id ${id}.`);
    });
  }

  /** The module must be one the tenant bought, the table one its manifest exposes. */
  private target(route: TenantRoute, module: string, table: string): Target {
    const schema = Object.hasOwn(route.schemas, module) ? route.schemas[module] : undefined;
    if (!schema) throw new ModuleNotAvailable(module, route.id);
    const tables = this.catalog.get(module).tables;
    const manifest = Object.hasOwn(tables, table) ? tables[table] : undefined;
    if (!manifest) {
      throw new NotFound(`Module "${module}" has no table "${table}"; tables: ${Object.keys(this.catalog.get(module).tables).join(', ')}.`);
    }
    return { schema, table, filterable: manifest.filterable, updatedAt: manifest.updatedAt };
  }

  private async run<R>(route: TenantRoute, target: Target, fn: (repo: TableRepository, columns: ColumnInfo[]) => Promise<R>): Promise<R> {
    return this.connections.withTenant(route, async (client) => {
      const repo = new TableRepository(client, target.schema, target.table);
      const key = `${route.database}/${target.schema}.${target.table}`;
      let cols = this.columns.get(key);
      if (!cols) {
        cols = await repo.columns();
        this.columns.set(key, cols);
      }
      try {
        return await fn(repo, cols);
      } catch (error) {
        throw translate(error);
      }
    });
  }

  private values(cols: ColumnInfo[], body: unknown, what: string): Array<[string, unknown]> {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new InvalidInput(`The body must be a JSON object with fields of ${what}.`);
    const byName = new Map(cols.map((c) => [c.name, c]));
    const unknown = Object.keys(body).filter((k) => !byName.has(k));
    if (unknown.length) throw new InvalidInput(`Unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')} for ${what}; fields: ${cols.map((c) => c.name).join(', ')}.`);
    return Object.entries(body).map(([k, v]) => [k, coerce(byName.get(k)!, v)]);
  }
}

function one(raw: string | string[], name: string): string {
  if (Array.isArray(raw)) throw new InvalidInput(`Give "${name}" once.`);
  return raw;
}

function parseLimit(raw: string | string[] | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const n = Number(one(raw, 'limit'));
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw new InvalidInput(`"limit" must be an integer from 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT}).`);
  return n;
}

function idValue(cols: ColumnInfo[], id: string): string {
  const idCol = cols.find((c) => c.name === 'id');
  return idCol ? (coerce(idCol, id) as string) : id;
}

function encodeCursor(value: [unknown, string]): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeCursor(raw: string): [unknown, string] {
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[1] === 'string') return v as [unknown, string];
  } catch {
    // fall through
  }
  throw new InvalidInput('Invalid "cursor": pass back the nextCursor of the previous page.');
}

/** PostgreSQL errors a tenant app can cause, as messages it can act on. */
function translate(error: unknown): unknown {
  if (!(error instanceof DatabaseError)) return error;
  const detail = error.detail ? ` ${error.detail}` : '';
  switch (error.code) {
    case '23505':
      return new RowConflict(`A row with the same values already exists (${error.constraint}).${detail}`);
    case '23503':
      return new Unprocessable(`A referenced row does not exist (${error.constraint}).${detail}`);
    case '23514':
      return new Unprocessable(`A value breaks the rule ${error.constraint}.${detail}`);
    case '23502':
      return new Unprocessable(`Field "${error.column}" is required.`);
    case '22P02':
    case '22007':
    case '22008':
    case '22003':
    case '22001':
    case '22021': // a byte sequence the database encoding cannot hold (a NUL is refused before, naming the field)
    case '22P05':
      return new InvalidInput(`Invalid value: ${error.message}.`);
    default:
      return error;
  }
}
