import { SHARED_TENANTS_DATABASE } from '@kryonix/domain';
import { scramSha256Verifier } from '@kryonix/platform';
import type { Step } from '../plan';
import type { RunContext, TenantPlan } from './context';

/** The databases a tenant role can hold privileges in (DROP OWNED works per database). */
const roleDatabases = (p: TenantPlan) => (p.mode === 'schema' ? [SHARED_TENANTS_DATABASE] : [p.database]);

/**
 * The tenant's login role, created with a SCRAM verifier (the password never reaches the
 * server); schema mode's first create takes a warm spare's role and schemas instead.
 * Undo: DROP OWNED + DROP ROLE (and a claimed spare's schemas).
 */
export const createRoleStep = (): Step<RunContext> => ({
  name: 'create_role',
  run: async (ctx) => {
    const { plan, rolePassword, login } = ctx;
    const { admin, storage, spares } = ctx.server;
    const verifier = scramSha256Verifier(rolePassword);
    const spare = ctx.fresh && plan.mode === 'schema' ? await spares.claimSchemas(admin, plan.modules, plan.role, plan.schemas, verifier, login) : undefined;
    if (spare) {
      ctx.claimedSchemas = true;
      ctx.created.schemas = plan.schemas.map((s) => s.schema);
      return { role: plan.role, spare };
    }
    await storage.ensureLoginRole(admin, plan.role, verifier, login);
    return { role: plan.role };
  },
  undo: async ({ server: { admin, storage }, plan, created, claimedSchemas }) => {
    if (claimedSchemas) await storage.dropSchemas(SHARED_TENANTS_DATABASE, created.schemas);
    await storage.dropRole(admin, plan.role, roleDatabases(plan));
  },
});
