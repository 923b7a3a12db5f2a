import { StorageTaken } from '@kryonix/domain';
import type { Step } from '../plan';
import type { RunContext } from './context';

/**
 * Database mode: the tenant's database, a warm spare renamed or a clone of the module
 * set's template. A first create refuses a database it did not make. Undo: DROP DATABASE.
 */
export const createDatabaseStep = (): Step<RunContext> => ({
  name: 'create_database',
  run: async (ctx) => {
    const { plan } = ctx;
    const { admin, storage, spares } = ctx.server;
    if (plan.mode !== 'database') return { skipped: 'schema mode' };
    if (ctx.fresh && (await storage.databaseExists(admin, plan.database))) {
      throw new StorageTaken(`Database "${plan.database}" already exists but no tenant owns it; drop it (or rename it) before creating "${plan.id}".`);
    }
    const template = await storage.ensureTemplate(admin, plan.modules);
    const spare = ctx.fresh ? await spares.claimDatabase(admin, plan.modules, plan.database) : undefined;
    const created = spare !== undefined || (await storage.ensureDatabase(admin, plan.database, template));
    ctx.created.database = created || !ctx.fresh;
    return { database: plan.database, template, created, ...(spare ? { spare } : {}) };
  },
  undo: async ({ server: { admin, storage }, plan, created }) => {
    if (plan.mode === 'database' && created.database) await storage.dropDatabase(admin, plan.database);
  },
});
