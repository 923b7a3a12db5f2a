import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { DatabaseError } from 'pg';
import { InvalidInput, NotFound, ModuleNotAvailable, RowConflict, Unprocessable } from '@kryonix/domain';
import { ModuleCatalog, type ModuleTable } from '@kryonix/modules';
import type { TenantRoute } from '@kryonix/routes';
import { TenantConnections } from '../pools/tenant-connections';
import { MoveHold } from '../routing/move-hold';
import { RouteCache } from '../routing/route-cache';
import { encodeCursor, parseListQuery } from './list-query';
import { ColumnInfo, coerce } from './table-columns';
import { TableRepository } from './table.repository';

/** PostgreSQL's "permission denied": what a statement gets from a source whose cut-over took the tenant's rights. */
const INSUFFICIENT_PRIVILEGE = '42501';

/** The longest a statement refused that way waits for its tenant's cut-over to end (its switch to the registry follows the source's commit at once). */
const SETTLE_MAX_MS = 2_000;

interface Target {
  module: string;
  schema: string;
  table: string;
  manifest: ModuleTable;
}

/** The module REST API, generated from the module manifests: list, get, create, update, delete. */
@Injectable()
export class ModuleResources {
  /**
   * Columns of each tenant's tables (by server, database, schema.table), read from the catalog
   * once: they change only with a migration or a change of modules, whose events drop the
   * tenant's route and, with it, these (RouteCache.onInvalidate); the TTL is a safety net.
   */
  private readonly columns = new LRUCache<string, Map<string, ColumnInfo[]>>({ max: 100_000, ttl: 600_000 });

  constructor(
    private readonly catalog: ModuleCatalog,
    private readonly connections: TenantConnections,
    private readonly moves: MoveHold,
    private readonly routes: RouteCache,
  ) {
    routes.onInvalidate((id) => (id === undefined ? this.columns.clear() : this.columns.delete(id)));
  }

  async list(route: TenantRoute, module: string, table: string, query: Record<string, string | string[] | undefined>) {
    const target = this.target(route, module, table);
    return this.run(route, target, async (repo, cols) => {
      const list = parseListQuery(`${module}.${table}`, target.manifest, cols, query);
      const rows = await repo.list({ ...list, limit: list.limit + 1 });
      const page = rows.slice(0, list.limit);
      const last = page[page.length - 1];
      return { items: page, nextCursor: rows.length > list.limit && last ? encodeCursor(list.order, last[list.order.column], last[target.manifest.primaryKey]) : null };
    });
  }

  get(route: TenantRoute, module: string, table: string, id: string) {
    const target = this.target(route, module, table);
    return this.run(route, target, async (repo, cols) => {
      const row = await repo.get(idValue(cols, target.manifest.primaryKey, id));
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
      const values = this.values(cols, body, `${module}.${table}`).filter(([name]) => name !== target.manifest.primaryKey);
      if (values.length === 0) throw new InvalidInput('Nothing to update: send at least one field.');
      // the table's last-change stamp, unless the app sets it itself
      const { updatedAt } = target.manifest;
      const stamp = updatedAt && !values.some(([name]) => name === updatedAt) ? updatedAt : undefined;
      const row = await repo.update(idValue(cols, target.manifest.primaryKey, id), values, stamp);
      if (!row) throw new NotFound(`No ${module}.${table} with id ${id}.`);
      return row;
    });
  }

  remove(route: TenantRoute, module: string, table: string, id: string) {
    const target = this.target(route, module, table);
    return this.run(route, target, async (repo, cols) => {
      if (!(await repo.delete(idValue(cols, target.manifest.primaryKey, id)))) throw new NotFound(`No ${module}.${table} with id ${id}.`);
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
    return { module, schema, table, manifest };
  }

  /**
   * `fn` runs one statement in its own transaction. A statement that waited on a move's
   * lock of the source fails once the cut-over commits (the tenant's rights there are
   * taken), and so does one sent on a route read just before the switch: it did not commit,
   * so it is run once more when, after the tenant's cut-over (if one is under way) has
   * ended, its route names another server. (The data plane's hold keeps most requests off
   * the locked source; this is for those already on it, or let go when the hold's time ran out.)
   */
  private async run<R>(route: TenantRoute, target: Target, fn: (repo: TableRepository, columns: ColumnInfo[]) => Promise<R>): Promise<R> {
    try {
      return await this.runOn(route, target, fn);
    } catch (error) {
      if (!(error instanceof DatabaseError) || error.code !== INSUFFICIENT_PRIVILEGE) throw error;
      // the source's rights go before the registry is switched: the move's end event says when the route is new
      await this.moves.settled(route.id, SETTLE_MAX_MS);
      const moved = await this.routes.get(route.id);
      if (!moved || moved.status !== 'active' || (moved.server === route.server && moved.database === route.database)) throw error;
      return this.runOn(moved, this.target(moved, target.module, target.table), fn);
    }
  }

  private async runOn<R>(route: TenantRoute, target: Target, fn: (repo: TableRepository, columns: ColumnInfo[]) => Promise<R>): Promise<R> {
    return this.connections.withTenant(route, async (client) => {
      const repo = new TableRepository(client, target.schema, target.table, target.manifest.primaryKey);
      const key = `${route.server}/${route.database}/${target.schema}.${target.table}`;
      let tables = this.columns.get(route.id);
      let cols = tables?.get(key);
      if (!cols) {
        cols = await repo.columns();
        // information_schema shows only the columns the role may use: none on a source whose
        // cut-over took the tenant's rights. Not cached, and refused as its statement would be
        // (42501), so `run` sends it on to the tenant's new server.
        if (cols.length === 0) throw noRights(target);
        if (!tables) this.columns.set(route.id, (tables = new Map()));
        tables.set(key, cols);
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

/** What PostgreSQL answers a statement on a table the role has no rights on. */
function noRights(target: Target): DatabaseError {
  const error = new DatabaseError(`permission denied for table ${target.table}`, 0, 'error');
  error.code = INSUFFICIENT_PRIVILEGE;
  return error;
}

function idValue(cols: ColumnInfo[], primaryKey: string, id: string): unknown {
  const key = cols.find((c) => c.name === primaryKey);
  return key ? coerce(key, id) : id;
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
