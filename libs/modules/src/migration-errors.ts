import { isServerAway } from '@kryonix/domain';
import type { ModuleMigration } from './module-catalog';

/**
 * Runs one migration file's SQL; an error it raises says which module, version and file
 * (`crm migration 0002 (…/0002_tags.sql.hbs): column "x" does not exist`). The driver's
 * fields (code, detail, …) are kept, so callers still tell errors apart by SQLSTATE; a
 * server that went away is passed on as it is (it is not the file's fault).
 */
export async function inMigration<R>(migration: ModuleMigration, run: () => Promise<R>): Promise<R> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof Error) || isServerAway(error)) throw error;
    const wrapped = new Error(`${migration.module} migration ${String(migration.version).padStart(4, '0')} (${migration.file}): ${error.message}`, { cause: error });
    for (const key of ['code', 'detail', 'hint', 'position', 'where', 'schema', 'table', 'column', 'constraint'] as const) {
      const value = (error as unknown as Record<string, unknown>)[key];
      if (value !== undefined) Object.defineProperty(wrapped, key, { value, enumerable: true });
    }
    throw wrapped;
  }
}
