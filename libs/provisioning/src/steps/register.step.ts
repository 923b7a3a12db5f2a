import { ServerUnfit } from '@kryonix/domain';
import { ServerRecordRepository, TenantRepository } from '@kryonix/registry';
import type { Step } from '../plan';
import type { RunContext } from './context';

/**
 * Inserts the tenant (status provisioning) on its server: claims the id, and a place on a
 * server with a tenant limit (counted under that server's lock, so concurrent creates never
 * pass --max-tenants; a full server fails it with SERVER_UNFIT `full`). Undo: deletes the row (cascades).
 */
export const registerStep = (): Step<RunContext> => ({
  name: 'register',
  run: async ({ admin, plan, rolePasswordEnc }) => {
    if (await new TenantRepository(admin).findById(plan.id)) return { resumed: true };
    const claim = async (trx: typeof admin) => {
      const servers = new ServerRecordRepository(trx);
      const limit = (await servers.findByName(plan.server))?.maxTenants ?? null;
      if (limit !== null) {
        const held = await servers.countForPlacement(plan.server);
        if (held >= limit) throw new ServerUnfit(plan.server, `Server "${plan.server}" takes no new tenant: full (${held} of ${limit} tenants).`, { full: true });
      }
      await new TenantRepository(trx).insertProvisioning({
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
    };
    await (admin.isTransaction ? claim(admin) : admin.transaction().execute(claim));
    return { server: plan.server };
  },
  undo: ({ admin, plan }) => new TenantRepository(admin).delete(plan.id),
});
