import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kysely, Migration, MigrationProvider, Migrator, sql } from 'kysely';
import { projectPath } from '@kryonix/platform';

/**
 * Registry migrations are plain SQL files in sql/registry/, frozen in time: they
 * import no application code. Kysely's Migrator records them in
 * tenant_management.kysely_migration and runs each in a transaction.
 */
class SqlFileMigrationProvider implements MigrationProvider {
  constructor(private readonly folder: string) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await readdir(this.folder)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      const text = await readFile(join(this.folder, file), 'utf8');
      migrations[file.replace(/\.sql$/, '')] = { up: async (db) => void (await sql.raw(text).execute(db)) };
    }
    return migrations;
  }
}

const MIGRATION_LOCK_KEY = 'kryonix:registry-migrations';

/** Applies pending registry migrations; concurrent callers are serialised by an advisory lock. */
export async function migrateRegistry<DB>(db: Kysely<DB>, folder = projectPath('sql', 'registry')): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new SqlFileMigrationProvider(folder),
    migrationTableSchema: 'tenant_management',
  });
  // Fast path, one query: the newest applied migration is the newest file, so nothing to do.
  const names = Object.keys(await new SqlFileMigrationProvider(folder).getMigrations()).sort();
  const newest = await sql<{ name: string }>`SELECT max(name) AS name FROM tenant_management.kysely_migration`
    .execute(db)
    .then((r) => r.rows[0]?.name)
    .catch(() => undefined);
  if (newest !== undefined && newest === names[names.length - 1]) return [];
  return db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(hashtext(${MIGRATION_LOCK_KEY}))`.execute(conn);
    try {
      await sql`CREATE SCHEMA IF NOT EXISTS tenant_management`.execute(conn);
      const { error, results } = await migrator.migrateToLatest();
      if (error) throw error instanceof Error ? error : new Error(String(error));
      return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    } finally {
      await sql`SELECT pg_advisory_unlock(hashtext(${MIGRATION_LOCK_KEY}))`.execute(conn);
    }
  });
}

export async function pendingRegistryMigrations<DB>(db: Kysely<DB>, folder = projectPath('sql', 'registry')): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new SqlFileMigrationProvider(folder), migrationTableSchema: 'tenant_management' });
  const all = await migrator.getMigrations();
  return all.filter((m) => !m.executedAt).map((m) => m.name);
}
