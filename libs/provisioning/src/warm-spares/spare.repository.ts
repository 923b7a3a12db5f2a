import { createHash, randomBytes } from 'node:crypto';
import { Kysely, sql } from 'kysely';
import { SHARED_TENANTS_DATABASE, assertSafeIdentifier } from '@kryonix/domain';
import type { ModuleDefinition } from '@kryonix/modules';
import { DatabaseConnector } from '@kryonix/platform';
import { SchemaPlan, TenantStorageRepository, templateName } from '../tenant-storage.repository';

/** A quoted identifier, checked first: the only way a name enters SQL here. */
const id = (name: string) => sql.id(assertSafeIdentifier(name));

/** The SQL of warm spares: making, counting, claiming and sweeping them. */
export class SpareRepository {
  constructor(
    private readonly connector: DatabaseConnector,
    private readonly storage: TenantStorageRepository,
  ) {}

  /**
   * Warm spares: clones of a template made ahead of time by a long-lived process (the
   * control plane, the CLI's agent), so a create renames one (a catalog update) instead
   * of copying the template then. A spare is `kryonix_spare_<template key>_<random>`,
   * nobody can connect to it (no CONNECT for PUBLIC), and the template it was cloned
   * from never changes (its name hashes the module versions and checksums), so a claimed
   * spare holds exactly what a clone made at create time would.
   */
  async claimSpare<DB>(admin: Kysely<DB>, set: SpareSet, database: string): Promise<string | undefined> {
    // One transaction: the database appears under the tenant's name already closed to PUBLIC, or not at all.
    // Gone under us all the same (3D000) or in use (55006): the next one.
    return this.claimFirst(admin, await this.spareNames(admin, 'database', databaseSparePrefix(set), 5), ['3D000', '55006'], async (trx, datname) => {
      await sql`ALTER DATABASE ${id(datname)} RENAME TO ${id(database)}`.execute(trx);
      await sql`REVOKE ALL ON DATABASE ${id(database)} FROM PUBLIC`.execute(trx);
    });
  }

  async countSpares<DB>(admin: Kysely<DB>, set: SpareSet): Promise<number> {
    return (await this.spareNames(admin, 'database', databaseSparePrefix(set))).length;
  }

  async createSpare<DB>(admin: Kysely<DB>, set: SpareSet): Promise<string> {
    const name = `${databaseSparePrefix(set)}${randomBytes(4).toString('hex')}`;
    await sql`CREATE DATABASE ${id(name)} TEMPLATE ${id(set.template)} STRATEGY WAL_LOG`.execute(admin);
    await sql`REVOKE ALL ON DATABASE ${id(name)} FROM PUBLIC`.execute(admin);
    return name;
  }

  /**
   * Schema mode's warm spares: a NOLOGIN role `kxs_<key>_<random>` and the module schemas
   * `<role>_<module>` made for it in the shared database exactly as a create makes them
   * (the role's default privileges, version comments), in one transaction. A create
   * renames the role and the schemas (catalog updates), then sets LOGIN and its password:
   * privileges follow the objects, not the names. Only for modules whose SQL keeps no
   * schema name as text (no functions or procedures), so a rename leaves nothing behind.
   */
  async createSchemaSpare(set: SpareSet): Promise<string> {
    const role = `${schemaSparePrefix(set)}${randomBytes(4).toString('hex')}`;
    await this.connector.db(SHARED_TENANTS_DATABASE).transaction().execute(async (trx) => {
      await sql`CREATE ROLE ${id(role)} WITH NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT`.execute(trx);
      for (const module of set.modules) await this.storage.applyModule(trx, { module, schema: `${role}_${module.name}` }, role);
    });
    return role;
  }

  async countSchemaSpares(set: SpareSet): Promise<number> {
    return (await this.spareNames(this.connector.db(SHARED_TENANTS_DATABASE), 'schema', schemaSparePrefix(set))).length;
  }

  /** Takes a schema spare as tenant role `role` with `schemas`; undefined when there is none (or none free). */
  async claimSchemaSpare<DB>(admin: Kysely<DB>, set: SpareSet, role: string, schemas: readonly SchemaPlan[], scramVerifier: string, login: boolean): Promise<string | undefined> {
    if (!spareable(set.modules) || !(await this.storage.databaseExists(admin, SHARED_TENANTS_DATABASE))) return undefined;
    const db = this.connector.db(SHARED_TENANTS_DATABASE);
    // Names already taken (left by something else): the ordinary path adopts or refuses them as it always does.
    if ((await this.storage.roleExists(admin, role)) || (await this.storage.existingSchemas(db, schemas.map((p) => p.schema))).length) return undefined;
    // Gone under us all the same (role 42704 or schema 3F000 no longer there): the next one.
    return this.claimFirst(db, await this.spareNames(db, 'schema', schemaSparePrefix(set), 5), ['42704', '3F000'], async (trx, rolname) => {
      await sql`ALTER ROLE ${id(rolname)} RENAME TO ${id(role)}`.execute(trx);
      await sql`ALTER ROLE ${id(role)} WITH ${sql.raw(login ? 'LOGIN' : 'NOLOGIN')} PASSWORD ${sql.lit(scramVerifier)}`.execute(trx);
      await this.storage.setSessionTimeouts(trx, role); // this process's values, whoever made the spare
      for (const plan of schemas) await sql`ALTER SCHEMA ${id(`${rolname}_${plan.module.name}`)} RENAME TO ${id(plan.schema)}`.execute(trx);
    });
  }

  /** Spares (databases, or schema-mode spare roles) whose names start with `prefix`, oldest first. */
  private async spareNames<DB>(db: Kysely<DB>, kind: 'database' | 'schema', prefix: string, limit?: number): Promise<string[]> {
    const query =
      kind === 'database'
        ? sql<{ name: string }>`SELECT datname AS name FROM pg_catalog.pg_database WHERE left(datname, ${prefix.length}) = ${prefix} ORDER BY oid`
        : sql<{ name: string }>`SELECT rolname AS name FROM pg_catalog.pg_roles WHERE left(rolname, ${prefix.length}) = ${prefix} ORDER BY oid`;
    const { rows } = await (limit ? sql<{ name: string }>`${query} LIMIT ${limit}` : query).execute(db);
    return rows.map((r) => r.name);
  }

  /**
   * Claims the first of `names` it can, each try one transaction: the spare is locked,
   * seen to be still there, then `claim` renames it. A claim failing with one of
   * `goneCodes` (taken meanwhile) moves on to the next name.
   */
  private async claimFirst<DB>(db: Kysely<DB>, names: readonly string[], goneCodes: readonly string[], claim: (trx: Kysely<DB>, name: string) => Promise<void>): Promise<string | undefined> {
    for (const name of names) {
      const claimed = await db
        .transaction()
        .execute(async (trx) => {
          if (!(await this.lockSpare(trx, name))) return false;
          await claim(trx, name);
          return true;
        })
        .catch((error: unknown) => {
          if (goneCodes.includes((error as { code?: string }).code ?? '')) return false;
          throw error;
        });
      if (claimed) return name;
    }
    return undefined;
  }

  /**
   * One claimer per spare: the others move on to the next one. The existence check is a
   * statement of its own, so its snapshot is taken after the lock and sees a claim that
   * committed meanwhile.
   */
  private async lockSpare<DB>(trx: Kysely<DB>, name: string): Promise<boolean> {
    const { rows: locked } = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(hashtext(${`kryonix:spare:${name}`})) AS ok`.execute(trx);
    if (!locked[0]?.ok) return false;
    const { rows } = await sql<{ n: number }>`
      SELECT 1 AS n FROM pg_catalog.pg_database WHERE datname = ${name}
      UNION ALL SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = ${name}`.execute(trx);
    return rows.length > 0;
  }

  /**
   * Drops the spares of this module set and modules folder made for other versions of its
   * modules (a module got a new version since): they can never be claimed again. Spares
   * of other sets or folders are not judged here. Returns how many were dropped.
   */
  async dropStaleSpares<DB>(registry: Kysely<DB>, set: SpareSet): Promise<number> {
    const stale = (name: string, pattern: RegExp) => {
      const m = pattern.exec(name);
      return Boolean(m && m[2] === set.setId && m[1] !== set.key);
    };
    let dropped = 0;
    for (const datname of (await this.spareNames(registry, 'database', 'kryonix_spare_')).filter((d) => stale(d, DATABASE_SPARE))) {
      // DROP DATABASE cannot run in a transaction: a session lock on one connection keeps claimers off.
      dropped += await registry.connection().execute(async (conn) => {
        const { rows } = await sql<{ ok: boolean }>`SELECT pg_try_advisory_lock(hashtext(${`kryonix:spare:${datname}`})) AS ok`.execute(conn);
        if (!rows[0]?.ok) return 0;
        try {
          await sql`DROP DATABASE IF EXISTS ${id(datname)} WITH (FORCE)`.execute(conn);
          return 1;
        } finally {
          await sql`SELECT pg_advisory_unlock(hashtext(${`kryonix:spare:${datname}`}))`.execute(conn);
        }
      });
    }
    if (!(await this.storage.databaseExists(registry, SHARED_TENANTS_DATABASE))) return dropped;
    const db = this.connector.db(SHARED_TENANTS_DATABASE);
    for (const rolname of (await this.spareNames(db, 'schema', 'kxs_')).filter((r) => stale(r, SCHEMA_SPARE))) {
      dropped += await db.transaction().execute(async (trx) => {
        if (!(await this.lockSpare(trx, rolname))) return 0;
        const { rows: schemas } = await sql<{ nspname: string }>`
          SELECT nspname FROM pg_catalog.pg_namespace WHERE left(nspname, ${rolname.length + 1}) = ${`${rolname}_`}`.execute(trx);
        if (schemas.length) await sql`DROP SCHEMA ${sql.join(schemas.map((n) => id(n.nspname)))} CASCADE`.execute(trx);
        await sql`DROP OWNED BY ${id(rolname)}`.execute(trx);
        await sql`DROP ROLE ${id(rolname)}`.execute(trx);
        return 1;
      });
    }
    return dropped;
  }
}

/** Whether a module set's schemas may be made ahead and renamed: no SQL body that could name its schema as text. */
export function spareable(modules: readonly ModuleDefinition[]): boolean {
  return modules.every(spareableModule);
}

/** Per loaded module (a definition never changes): every schema-mode create asks, twice, and the answer renders all its migrations. */
const spareableModules = new WeakMap<ModuleDefinition, boolean>();

function spareableModule(module: ModuleDefinition): boolean {
  let answer = spareableModules.get(module);
  if (answer === undefined) {
    answer = module.migrations.every((migration) => !/\b(FUNCTION|PROCEDURE)\b/i.test(migration.render('x')));
    spareableModules.set(module, answer);
  }
  return answer;
}

/**
 * Which spares a create may take: those of its module set at its current versions (the
 * template key) and made from the same modules folder (the set id), so configurations
 * sharing a server neither take nor sweep each other's.
 */
export interface SpareSet {
  template: string;
  key: string;
  setId: string;
  modules: readonly ModuleDefinition[];
}

export function spareSet(modules: readonly ModuleDefinition[], modulesDir: string): SpareSet {
  const template = templateName(modules);
  const setId = createHash('sha256').update(`${modulesDir}\0${modules.map((m) => m.name).join(',')}`).digest('hex').slice(0, 8);
  return { template, key: template.slice('kryonix_tpl_'.length), setId, modules };
}

/** `kryonix_spare_<key>_<set id>_<random>`: a database cloned from the template. */
const DATABASE_SPARE = /^kryonix_spare_([0-9a-f]{16})_([0-9a-f]{8})_[0-9a-f]{8}$/;
/** `kxs_<key>_<set id>_<random>`: a schema-mode spare's role (its schemas: `<role>_<module>`). */
const SCHEMA_SPARE = /^kxs_([0-9a-f]{16})_([0-9a-f]{8})_[0-9a-f]{8}$/;
const databaseSparePrefix = (set: SpareSet) => `kryonix_spare_${set.key}_${set.setId}_`;
const schemaSparePrefix = (set: SpareSet) => `kxs_${set.key}_${set.setId}_`;
