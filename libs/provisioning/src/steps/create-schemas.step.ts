import { SHARED_TENANTS_DATABASE, StorageTaken } from '@kryonix/domain';
import type { Step } from '../plan';
import type { RunContext } from './context';

/**
 * Schema mode: the module schemas in the shared database with their migrations, one
 * transaction (nothing to do when create_role took a spare). A first create refuses
 * schemas it did not make. Undo: DROP SCHEMA … CASCADE.
 */
export const createSchemasStep = (): Step<RunContext> => ({
  name: 'create_schemas',
  run: async (ctx) => {
    const { plan } = ctx;
    const { admin, storage } = ctx.server;
    if (plan.mode !== 'schema') return { skipped: 'database mode' };
    if (ctx.claimedSchemas) {
      ctx.tablesGranted = true;
      return { database: plan.database, schemas: plan.schemas.map((s) => s.schema), spare: true };
    }
    await storage.ensureSharedTenantsDatabase(admin);
    const present = new Set(await storage.existingSchemasIn(SHARED_TENANTS_DATABASE, plan.schemas.map((s) => s.schema)));
    if (ctx.fresh && present.size) {
      throw new StorageTaken(`Schema(s) ${[...present].join(', ')} already exist in ${SHARED_TENANTS_DATABASE} but no tenant owns them; drop them before creating "${plan.id}".`);
    }
    const missing = plan.schemas.filter((s) => !present.has(s.schema));
    ctx.created.schemas = ctx.fresh ? missing.map((s) => s.schema) : plan.schemas.map((s) => s.schema);
    if (missing.length) await storage.createModuleSchemas(SHARED_TENANTS_DATABASE, missing, plan.role);
    // Granted as created only if this run created every schema; else grant_access re-grants all.
    ctx.tablesGranted = missing.length === plan.schemas.length;
    return { database: plan.database, schemas: missing.map((s) => s.schema) };
  },
  undo: async ({ server: { storage }, plan, created, claimedSchemas }) => {
    // A claimed spare's schemas go with the role (create_role's undo).
    if (plan.mode === 'schema' && !claimedSchemas) await storage.dropSchemas(SHARED_TENANTS_DATABASE, created.schemas);
  },
});
