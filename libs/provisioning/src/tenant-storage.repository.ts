import { createHash, randomBytes } from 'node:crypto';
import { Kysely, sql } from 'kysely';
import { GATEWAY_ROLE, SHARED_TENANTS_DATABASE, assertSafeIdentifier, quoteIdent } from '@kryonix/domain';
import { DatabaseConnector, ServerRepository } from '@kryonix/platform';
import { ModuleDefinition, ModuleMigration } from '@kryonix/modules';

/** A quoted identifier, checked first: the only way a name enters SQL here. */
const id = (name: string) => sql.id(assertSafeIdentifier(name));

export interface SchemaPlan {
  module: ModuleDefinition;
  schema: string;
}

/**
 * All SQL that shapes tenants' PostgreSQL objects: databases, schemas, roles and
 * grants. Every statement is idempotent so a plan can be re-run after a crash.
 * `admin` is any connection of the admin role (cluster-wide statements).
 */
export class TenantStorageRepository {
  constructor(
    private readonly connector: DatabaseConnector,
    private readonly servers: ServerRepository = new ServerRepository(),
  ) {}

  // ---- roles -------------------------------------------------------------------

  roleExists<DB>(admin: Kysely<DB>, role: string): Promise<boolean> {
    return this.servers.roleExists(admin, role);
  }

  /** Creates the tenant's role, or resets its password (and LOGIN) if it already exists. */
  async ensureLoginRole<DB>(admin: Kysely<DB>, role: string, scramVerifier: string, login = true): Promise<void> {
    const attributes = sql`${sql.raw(login ? 'LOGIN' : 'NOLOGIN')} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT PASSWORD ${sql.lit(scramVerifier)}`;
    if (await this.roleExists(admin, role)) {
      await sql`ALTER ROLE ${id(role)} WITH ${attributes}`.execute(admin);
    } else {
      await sql`CREATE ROLE ${id(role)} WITH ${attributes}`.execute(admin);
    }
  }

  /** LOGIN or NOLOGIN; taking login away also ends the role's open sessions. */
  async setLogin<DB>(admin: Kysely<DB>, role: string, login: boolean): Promise<void> {
    await sql`ALTER ROLE ${id(role)} WITH ${sql.raw(login ? 'LOGIN' : 'NOLOGIN')}`.execute(admin);
    if (!login) await sql`SELECT pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE usename = ${role}`.execute(admin);
  }

  async setPassword<DB>(admin: Kysely<DB>, role: string, scramVerifier: string): Promise<void> {
    await sql`ALTER ROLE ${id(role)} WITH PASSWORD ${sql.lit(scramVerifier)}`.execute(admin);
  }

  /** Drops the role after revoking what it holds in `databases` (DROP OWNED works per database). */
  async dropRole<DB>(admin: Kysely<DB>, role: string, databases: readonly string[]): Promise<void> {
    if (!(await this.roleExists(admin, role))) return;
    for (const database of databases) {
      if (!(await this.databaseExists(admin, database))) continue;
      await this.changeAcl(database, (db) => sql`DROP OWNED BY ${id(role)}`.execute(db));
    }
    await sql`DROP ROLE IF EXISTS ${id(role)}`.execute(admin);
  }

  // ---- databases ---------------------------------------------------------------

  databaseExists<DB>(admin: Kysely<DB>, database: string): Promise<boolean> {
    return this.servers.databaseExists(admin, database);
  }

  /** Creates a database nobody but its grantees can connect to; tolerates a concurrent creator. */
  ensureDatabase<DB>(admin: Kysely<DB>, database: string, template?: string): Promise<boolean> {
    return this.servers.ensureDatabase(admin, database, template);
  }

  async dropDatabase<DB>(admin: Kysely<DB>, database: string): Promise<void> {
    await this.connector.release(database);
    await sql`DROP DATABASE IF EXISTS ${id(database)} WITH (FORCE)`.execute(admin);
  }

  /** The shared database of schema-mode tenants: no PUBLIC connect, no PUBLIC use of schema public. */
  async ensureSharedTenantsDatabase<DB>(admin: Kysely<DB>): Promise<void> {
    if (await this.ensureDatabase(admin, SHARED_TENANTS_DATABASE)) {
      await sql`REVOKE ALL ON SCHEMA public FROM PUBLIC`.execute(this.connector.db(SHARED_TENANTS_DATABASE));
    }
  }

  /**
   * A template database holding exactly `modules` at their current versions,
   * built once and cloned for every database-mode tenant with the same set
   * (cloning is several times faster than replaying the DDL).
   */
  async ensureTemplate<DB>(admin: Kysely<DB>, modules: readonly ModuleDefinition[]): Promise<string> {
    const name = templateName(modules);
    if (await this.databaseExists(admin, name)) return name;
    await sql`SELECT pg_advisory_lock(hashtext(${`kryonix:template:${name}`}))`.execute(admin);
    try {
      if (await this.databaseExists(admin, name)) return name;
      const building = `${name}_build`;
      await sql`DROP DATABASE IF EXISTS ${id(building)} WITH (FORCE)`.execute(admin);
      await sql`CREATE DATABASE ${id(building)}`.execute(admin);
      await this.connector.once(building, (db) =>
        db.transaction().execute(async (trx) => {
          for (const m of modules) await this.applyModule(trx, { module: m, schema: m.name });
        }),
      );
      // Renaming makes the finished template appear atomically.
      await sql`ALTER DATABASE ${id(building)} RENAME TO ${id(name)}`.execute(admin);
      await sql`REVOKE ALL ON DATABASE ${id(name)} FROM PUBLIC`.execute(admin);
      await sql`ALTER DATABASE ${id(name)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`.execute(admin);
      return name;
    } finally {
      await sql`SELECT pg_advisory_unlock(hashtext(${`kryonix:template:${name}`}))`.execute(admin);
    }
  }

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
      for (const module of set.modules) await this.applyModule(trx, { module, schema: `${role}_${module.name}` }, role);
    });
    return role;
  }

  async countSchemaSpares(set: SpareSet): Promise<number> {
    return (await this.spareNames(this.connector.db(SHARED_TENANTS_DATABASE), 'schema', schemaSparePrefix(set))).length;
  }

  /** Takes a schema spare as tenant role `role` with `schemas`; undefined when there is none (or none free). */
  async claimSchemaSpare<DB>(admin: Kysely<DB>, set: SpareSet, role: string, schemas: readonly SchemaPlan[], scramVerifier: string, login: boolean): Promise<string | undefined> {
    if (!spareable(set.modules) || !(await this.databaseExists(admin, SHARED_TENANTS_DATABASE))) return undefined;
    const db = this.connector.db(SHARED_TENANTS_DATABASE);
    // Names already taken (left by something else): the ordinary path adopts or refuses them as it always does.
    if ((await this.roleExists(admin, role)) || (await this.existingSchemas(db, schemas.map((p) => p.schema))).length) return undefined;
    // Gone under us all the same (role 42704 or schema 3F000 no longer there): the next one.
    return this.claimFirst(db, await this.spareNames(db, 'schema', schemaSparePrefix(set), 5), ['42704', '3F000'], async (trx, rolname) => {
      await sql`ALTER ROLE ${id(rolname)} RENAME TO ${id(role)}`.execute(trx);
      await sql`ALTER ROLE ${id(role)} WITH ${sql.raw(login ? 'LOGIN' : 'NOLOGIN')} PASSWORD ${sql.lit(scramVerifier)}`.execute(trx);
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
    if (!(await this.databaseExists(registry, SHARED_TENANTS_DATABASE))) return dropped;
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

  // ---- schemas -----------------------------------------------------------------

  existingSchemasIn(database: string, schemas: readonly string[]): Promise<string[]> {
    return this.inDatabase(database, (db) => this.existingSchemas(db, schemas));
  }

  private async existingSchemas<DB>(db: Kysely<DB>, schemas: readonly string[]): Promise<string[]> {
    const { rows } = await sql<{ nspname: string }>`SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = ANY(${[...schemas]}::text[])`.execute(db);
    return rows.map((r) => r.nspname);
  }

  /**
   * Creates the schemas and applies every module migration, in one transaction
   * (all or nothing). With `role`, what the migrations create is granted to it as
   * it is created (default privileges), so no later GRANT … ON ALL TABLES — a scan
   * of all of pg_class, which grows with every schema-mode tenant — is needed.
   */
  async createModuleSchemas(database: string, plans: readonly SchemaPlan[], role?: string): Promise<void> {
    await this.connector.db(database).transaction().execute(async (trx) => {
      for (const plan of plans) await this.applyModule(trx, plan, role);
    });
  }

  async dropSchemas(database: string, schemas: readonly string[]): Promise<void> {
    if (schemas.length === 0) return;
    await sql`DROP SCHEMA IF EXISTS ${sql.join(schemas.map(id))} CASCADE`.execute(this.connector.db(database));
  }

  private async applyModule<DB>(trx: Kysely<DB>, { module, schema }: SchemaPlan, role?: string): Promise<void> {
    await sql`CREATE SCHEMA ${id(schema)}`.execute(trx);
    if (role) await this.defaultPrivileges(trx, schema, role);
    // One simple-query message per migration file: one round trip.
    for (const migration of module.migrations) await sql.raw(migration.render(schema)).execute(trx);
    await this.markVersion(trx, schema, module.name, module.version);
  }

  /**
   * The version a schema is at, kept on the schema itself (COMMENT ON SCHEMA) in
   * the same transaction as its DDL: the truth when the registry's ledger lags
   * behind a crash between the two commits.
   */
  private async markVersion<DB>(trx: Kysely<DB>, schema: string, module: string, version: number): Promise<void> {
    await sql`COMMENT ON SCHEMA ${id(schema)} IS ${sql.lit(`kryonix:${module}@${version}`)}`.execute(trx);
  }

  /** Tables and sequences created later in `schema` (by this admin role) are the tenant role's as well. */
  private async defaultPrivileges<DB>(trx: Kysely<DB>, schema: string, role: string): Promise<void> {
    await sql
      .raw(
        [
          `ALTER DEFAULT PRIVILEGES IN SCHEMA ${quoteIdent(schema)} GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON TABLES TO ${quoteIdent(role)}`,
          `ALTER DEFAULT PRIVILEGES IN SCHEMA ${quoteIdent(schema)} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${quoteIdent(role)}`,
        ].join(';\n'),
      )
      .execute(trx);
  }

  /** schema → version, from the schemas' comments. */
  async schemaVersions(database: string, schemas: readonly string[]): Promise<Map<string, number>> {
    return this.inDatabase(database, async (db) => {
      const { rows } = await sql<{ nspname: string; comment: string | null }>`
        SELECT nspname, obj_description(oid, 'pg_namespace') AS comment FROM pg_catalog.pg_namespace WHERE nspname = ANY(${[...schemas]}::text[])`.execute(db);
      const out = new Map<string, number>();
      for (const r of rows) {
        const m = /^kryonix:[a-z0-9_]+@(\d+)$/.exec(r.comment ?? '');
        if (m) out.set(r.nspname, Number(m[1]));
      }
      return out;
    });
  }

  /**
   * Applies pending migrations to a tenant's schemas in one transaction (all or
   * nothing for the tenant), marks the new versions and grants the tenant role
   * what the migrations created. Returns each migration's duration.
   */
  async applyMigrations(
    database: string,
    role: string,
    steps: ReadonlyArray<{ schema: string; module: string; migrations: readonly ModuleMigration[] }>,
  ): Promise<Array<{ module: string; version: number; durationMs: number }>> {
    return this.inDatabase(database, (db) =>
      db.transaction().execute(async (trx) => {
        const done: Array<{ module: string; version: number; durationMs: number }> = [];
        for (const step of steps) {
          // Tables and sequences the migrations create are granted to the tenant role as
          // they are created. (GRANT … ON ALL TABLES IN SCHEMA would scan pg_class, which
          // has no index on the schema: one full scan per tenant, quadratic over a fleet.)
          await this.defaultPrivileges(trx, step.schema, role);
          for (const migration of step.migrations) {
            const started = performance.now();
            await sql.raw(migration.render(step.schema)).execute(trx);
            done.push({ module: step.module, version: migration.version, durationMs: performance.now() - started });
          }
          const last = step.migrations[step.migrations.length - 1];
          if (last) await this.markVersion(trx, step.schema, step.module, last.version);
        }
        return done;
      }),
    );
  }

  // ---- grants ------------------------------------------------------------------

  /**
   * The role may connect to `database` and use `schemas` (their tables and
   * sequences), nothing more; the gateway may connect there and SET ROLE to it.
   */
  async grantAccess(database: string, role: string, schemas: readonly string[], options: { tables?: boolean } = {}): Promise<void> {
    const tables = options.tables !== false;
    const statements = [
      `GRANT CONNECT, TEMPORARY ON DATABASE ${quoteIdent(database)} TO ${quoteIdent(role)}`,
      `GRANT CONNECT ON DATABASE ${quoteIdent(database)} TO ${quoteIdent(GATEWAY_ROLE)}`,
      `GRANT ${quoteIdent(role)} TO ${quoteIdent(GATEWAY_ROLE)}`,
      ...schemas.flatMap((s) => [
        `GRANT USAGE ON SCHEMA ${quoteIdent(s)} TO ${quoteIdent(role)}`,
        // `tables: false` when the tables were granted as they were created (default privileges)
        ...(tables
          ? [
              `GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA ${quoteIdent(s)} TO ${quoteIdent(role)}`,
              `GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${quoteIdent(s)} TO ${quoteIdent(role)}`,
            ]
          : []),
      ]),
    ];
    await this.changeAcl(database, (db) => sql.raw(statements.join(';\n')).execute(db));
  }

  /** Takes back what grantAccess gave; `database: false` keeps CONNECT (detaching some schemas only). */
  async revokeAccess<DB>(admin: Kysely<DB>, database: string, role: string, schemas: readonly string[], options: { database?: boolean } = {}): Promise<void> {
    if (!(await this.roleExists(admin, role)) || !(await this.databaseExists(admin, database))) return;
    await this.changeAcl(database, async (db) => {
      const present = await this.existingSchemas(db, schemas);
      const statements = [
        ...(options.database === false ? [] : [`REVOKE ALL ON DATABASE ${quoteIdent(database)} FROM ${quoteIdent(role)}`]),
        ...present.flatMap((s) => [
          `REVOKE ALL ON ALL TABLES IN SCHEMA ${quoteIdent(s)} FROM ${quoteIdent(role)}`,
          `REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${quoteIdent(s)} FROM ${quoteIdent(role)}`,
          `REVOKE ALL ON SCHEMA ${quoteIdent(s)} FROM ${quoteIdent(role)}`,
        ]),
      ];
      if (statements.length) await sql.raw(statements.join(';\n')).execute(db);
    });
  }

  /**
   * Runs privilege changes inside `database`, in one transaction. In the shared
   * tenants database they are serialised by an advisory lock: concurrent GRANTs
   * on one database's ACL otherwise fail with "tuple concurrently updated".
   */
  private changeAcl<R>(database: string, fn: (db: Kysely<unknown>) => Promise<R>): Promise<R> {
    return this.inDatabase(database, (db) =>
      db.transaction().execute(async (trx) => {
        if (database === SHARED_TENANTS_DATABASE) await sql`SELECT pg_advisory_xact_lock(hashtext(${`kryonix:acl:${database}`}))`.execute(trx);
        return fn(trx);
      }),
    );
  }

  /** Work in a tenant's database: the shared one keeps a pool; a database-mode tenant's gets one connection, then it is closed. */
  inDatabase<R>(database: string, fn: (db: Kysely<unknown>) => Promise<R>): Promise<R> {
    return database === SHARED_TENANTS_DATABASE ? fn(this.connector.db(database)) : this.connector.once(database, fn);
  }
}

/** The template database of a module set at its current versions: `kryonix_tpl_<hash of names, versions, checksums>`. */
export function templateName(modules: readonly ModuleDefinition[]): string {
  const key = createHash('sha256')
    .update(modules.map((m) => `${m.name}@${m.version}:${m.checksum}`).join(';'))
    .digest('hex')
    .slice(0, 16);
  return `kryonix_tpl_${key}`;
}


/** Whether a module set's schemas may be made ahead and renamed: no SQL body that could name its schema as text. */
export function spareable(modules: readonly ModuleDefinition[]): boolean {
  return modules.every((m) => m.migrations.every((migration) => !/\b(FUNCTION|PROCEDURE)\b/i.test(migration.render('x'))));
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
