import { createHash } from 'node:crypto';
import { Kysely, sql } from 'kysely';
import { GATEWAY_ROLE, SHARED_TENANTS_DATABASE, assertSafeIdentifier, quoteIdent } from '@kryonix/domain';
import { DatabaseConnector, ServerRepository, type SessionTimeouts, sessionTimeoutSettings } from '@kryonix/platform';
import { ModuleDefinition, ModuleMigration, inMigration } from '@kryonix/modules';

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
    /** Set on every tenant role it creates or resets; none when not given. */
    private readonly timeouts?: SessionTimeouts,
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
    await this.setSessionTimeouts(admin, role);
  }

  /**
   * The session timeouts the role's own logins start with (ALTER ROLE … SET), in one round
   * trip. One tenant's direct session then cannot hold locks or a transaction open for ever
   * against the connections everybody shares. (The data plane's connections are the gateway
   * role's: they carry the same values from their startup packet.)
   */
  async setSessionTimeouts<DB>(admin: Kysely<DB>, role: string): Promise<void> {
    if (!this.timeouts) return;
    const quoted = quoteIdent(assertSafeIdentifier(role));
    // one simple-query message (no parameters); the values are whole numbers
    await sql.raw(sessionTimeoutSettings(this.timeouts).map((setting) => `ALTER ROLE ${quoted} SET ${setting.replace('=', ' = ')}`).join('; ')).execute(admin);
  }

  /**
   * Of `roles` (the tenant roles on this server), those whose login settings are not the
   * configured timeouts: the roles made before these settings existed or changed. (A
   * schema-mode warm spare's role gets them when it is claimed.)
   */
  async rolesWithOtherTimeouts<DB>(admin: Kysely<DB>, roles: readonly string[]): Promise<string[]> {
    if (!this.timeouts || roles.length === 0) return [];
    const { rows } = await sql<{ rolname: string }>`
      SELECT r.rolname FROM pg_catalog.pg_roles r
      LEFT JOIN pg_catalog.pg_db_role_setting s ON s.setrole = r.oid AND s.setdatabase = 0
      WHERE r.rolname = ANY(${[...roles]}::text[])
        AND NOT coalesce(s.setconfig, '{}'::text[]) @> ${sessionTimeoutSettings(this.timeouts)}::text[]
      ORDER BY r.rolname`.execute(admin);
    return rows.map((r) => r.rolname);
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

  // ---- schemas -----------------------------------------------------------------

  existingSchemasIn(database: string, schemas: readonly string[]): Promise<string[]> {
    return this.inDatabase(database, (db) => this.existingSchemas(db, schemas));
  }

  async existingSchemas<DB>(db: Kysely<DB>, schemas: readonly string[]): Promise<string[]> {
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

  /** Creates `schema` and applies the module's migrations in `trx` (with `role`: default privileges first). */
  async applyModule<DB>(trx: Kysely<DB>, { module, schema }: SchemaPlan, role?: string): Promise<void> {
    await sql`CREATE SCHEMA ${id(schema)}`.execute(trx);
    if (role) await this.defaultPrivileges(trx, schema, role);
    // One simple-query message per migration file: one round trip.
    for (const migration of module.migrations) await inMigration(migration, () => sql.raw(migration.render(schema)).execute(trx));
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
            await inMigration(migration, () => sql.raw(migration.render(step.schema)).execute(trx));
            done.push({ module: step.module, version: migration.version, durationMs: performance.now() - started });
          }
          const last = step.migrations[step.migrations.length - 1];
          if (last) await this.markVersion(trx, step.schema, step.module, last.version);
        }
        return done;
      }),
    );
  }

  // ---- replace (restore --replace) ------------------------------------------------

  /** Ends every other session on these databases (a database in use cannot be renamed). */
  async endSessions<DB>(admin: Kysely<DB>, databases: readonly string[]): Promise<void> {
    for (const database of databases) await this.connector.release(database);
    await sql`SELECT pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE datname = ANY(${[...databases]}::text[]) AND pid <> pg_backend_pid()`.execute(admin);
  }

  /**
   * Database mode, in one transaction on the server: `live` (when it exists) gives up its
   * role's and the gateway's access and becomes `kept`, and `incoming` becomes `live`.
   * `beforeCommit` runs inside it (a failure there undoes both renames). A session that
   * reached `live` after endSessions makes the rename fail with 55006 (the caller retries).
   */
  async swapDatabases<DB>(admin: Kysely<DB>, names: { live: string; incoming: string; kept: string; role: string; liveExists: boolean }, beforeCommit: () => Promise<void>): Promise<void> {
    const q = (name: string) => quoteIdent(assertSafeIdentifier(name));
    const statements = [
      ...(names.liveExists
        ? [`REVOKE ALL ON DATABASE ${q(names.live)} FROM ${q(names.role)}`, `REVOKE ALL ON DATABASE ${q(names.live)} FROM ${q(GATEWAY_ROLE)}`, `ALTER DATABASE ${q(names.live)} RENAME TO ${q(names.kept)}`]
        : []),
      `ALTER DATABASE ${q(names.incoming)} RENAME TO ${q(names.live)}`,
    ];
    await admin.transaction().execute(async (trx) => {
      for (const statement of statements) await sql.raw(statement).execute(trx);
      await beforeCommit();
    });
  }

  /**
   * Schema mode, in one transaction in the shared database: the role loses every right on
   * the `live` schemas that exist, they become `kept`, and the `incoming` ones become `live`
   * (a module only one side has is renamed on its side alone). `beforeCommit` runs inside it.
   */
  async swapSchemas(role: string, pairs: ReadonlyArray<{ live: string; incoming?: string; kept: string }>, beforeCommit: () => Promise<void>): Promise<void> {
    const q = (name: string) => quoteIdent(assertSafeIdentifier(name));
    await this.changeAcl(SHARED_TENANTS_DATABASE, async (db) => {
      const present = new Set(await this.existingSchemas(db, pairs.map((p) => p.live)));
      const statements = pairs.flatMap((p) => [
        ...(present.has(p.live)
          ? [
              `REVOKE ALL ON ALL TABLES IN SCHEMA ${q(p.live)} FROM ${q(role)}`,
              `REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${q(p.live)} FROM ${q(role)}`,
              `REVOKE ALL ON SCHEMA ${q(p.live)} FROM ${q(role)}`,
              `ALTER SCHEMA ${q(p.live)} RENAME TO ${q(p.kept)}`,
            ]
          : []),
        ...(p.incoming ? [`ALTER SCHEMA ${q(p.incoming)} RENAME TO ${q(p.live)}`] : []),
      ]);
      await sql.raw(statements.join(';\n')).execute(db);
      await beforeCommit();
    });
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

  /**
   * What a move's replication role reads on the source: CONNECT on the database, USAGE of
   * the schemas and SELECT on their tables (the initial copy). Dropped with the role.
   */
  async grantCopyAccess(database: string, role: string, schemas: readonly string[]): Promise<void> {
    const statements = [
      `GRANT CONNECT ON DATABASE ${quoteIdent(database)} TO ${quoteIdent(role)}`,
      ...schemas.flatMap((s) => [`GRANT USAGE ON SCHEMA ${quoteIdent(s)} TO ${quoteIdent(role)}`, `GRANT SELECT ON ALL TABLES IN SCHEMA ${quoteIdent(s)} TO ${quoteIdent(role)}`]),
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
