import { Kysely, sql } from 'kysely';
import { GATEWAY_ROLE, assertSafeIdentifier } from '@kryonix/domain';

/** A quoted identifier, checked first: the only way a name enters SQL here. */
const id = (name: string) => sql.id(assertSafeIdentifier(name));

/**
 * Server-wide SQL that is not about one tenant: whether roles and databases exist,
 * making a database, closing databases to PUBLIC, the data plane's gateway role.
 * `admin` is any connection of the admin role.
 */
export class ServerRepository {
  /** Answers or throws the driver's error (3D000 when the database is missing). */
  async probe<DB>(db: Kysely<DB>): Promise<void> {
    await sql`SELECT 1`.execute(db);
  }

  async roleExists<DB>(admin: Kysely<DB>, role: string): Promise<boolean> {
    const { rows } = await sql<{ n: number }>`SELECT 1 AS n FROM pg_catalog.pg_roles WHERE rolname = ${role}`.execute(admin);
    return rows.length > 0;
  }

  async databaseExists<DB>(admin: Kysely<DB>, database: string): Promise<boolean> {
    const { rows } = await sql<{ n: number }>`SELECT 1 AS n FROM pg_catalog.pg_database WHERE datname = ${database}`.execute(admin);
    return rows.length > 0;
  }

  /** Creates a database nobody but its grantees can connect to; tolerates a concurrent creator. Returns whether it made it. */
  async ensureDatabase<DB>(admin: Kysely<DB>, database: string, template?: string): Promise<boolean> {
    if (await this.databaseExists(admin, database)) return false;
    try {
      if (template) await sql`CREATE DATABASE ${id(database)} TEMPLATE ${id(template)} STRATEGY WAL_LOG`.execute(admin);
      else await sql`CREATE DATABASE ${id(database)}`.execute(admin);
    } catch (error) {
      // Someone else made it: duplicate_database, or the catalog's unique index when both raced.
      const code = (error as { code?: string }).code;
      if (code === '42P04' || (code === '23505' && (error as { constraint?: string }).constraint === 'pg_database_datname_index')) return false;
      throw error;
    }
    await sql`REVOKE ALL ON DATABASE ${id(database)} FROM PUBLIC`.execute(admin);
    return true;
  }

  /** Tenant roles must not connect to the registry (nor, on our own server, to the maintenance databases). */
  async lockDownDatabases<DB>(admin: Kysely<DB>, databases: readonly string[]): Promise<void> {
    for (const database of databases) {
      if (await this.databaseExists(admin, database)) await sql`REVOKE CONNECT, TEMPORARY ON DATABASE ${id(database)} FROM PUBLIC`.execute(admin);
    }
  }

  /**
   * The data plane's role (see GATEWAY_ROLE): created once, NOINHERIT. With
   * `resetPassword` (the data plane at start) its password is set again, so it
   * always matches the master key of the process that logs in with it.
   */
  async ensureGatewayRole<DB>(admin: Kysely<DB>, scramVerifier: string, resetPassword = false): Promise<void> {
    if (await this.roleExists(admin, GATEWAY_ROLE)) {
      if (resetPassword) await sql`ALTER ROLE ${id(GATEWAY_ROLE)} WITH LOGIN PASSWORD ${sql.lit(scramVerifier)}`.execute(admin);
    } else {
      try {
        await sql`CREATE ROLE ${id(GATEWAY_ROLE)} WITH LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${sql.lit(scramVerifier)}`.execute(admin);
      } catch (error) {
        // Another process made it: duplicate_object, or the catalog's unique index when both raced.
        const code = (error as { code?: string }).code;
        if (code !== '42710' && code !== '23505') throw error;
      }
    }
  }
}
