import { TenantRepository } from '@kryonix/registry';
import type { Step } from '../plan';
import type { RunContext } from './context';

/** status = active: the tenant is served from now on. Undo: back to provisioning. */
export const activateStep = (): Step<RunContext> => ({
  name: 'activate',
  run: async ({ admin, plan }) => {
    await new TenantRepository(admin).setStatus(plan.id, 'active');
  },
  undo: ({ admin, plan }) => new TenantRepository(admin).setStatus(plan.id, 'provisioning'),
});
