import { TenantRepository } from '@kryonix/registry';
import type { Step } from '../plan';
import type { RunContext } from './context';

/** Inserts the tenant (status provisioning) on its server: claims the id. Undo: deletes the row (cascades). */
export const registerStep = (): Step<RunContext> => ({
  name: 'register',
  run: async ({ admin, plan, rolePasswordEnc }) => {
    const tenants = new TenantRepository(admin);
    if (await tenants.findById(plan.id)) return { resumed: true };
    await tenants.insertProvisioning({
      id: plan.id,
      name: plan.name,
      databaseName: plan.database,
      subdomain: plan.id,
      modules: plan.modules.map((m) => m.name),
      mode: plan.mode,
      roleName: plan.role,
      rolePasswordEnc,
      serverName: plan.server,
    });
    return { server: plan.server };
  },
  undo: ({ admin, plan }) => new TenantRepository(admin).delete(plan.id),
});
