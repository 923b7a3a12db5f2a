import type { Step } from '../plan';
import type { RunContext, StepDeps } from './context';

/** CONNECT on its database only, usage of its schemas, DML on their tables and sequences. Undo: REVOKE. */
export const grantAccessStep = ({ storage }: StepDeps): Step<RunContext> => ({
  name: 'grant_access',
  run: async ({ plan, tablesGranted }) => {
    await storage.grantAccess(plan.database, plan.role, plan.schemas.map((s) => s.schema), { tables: !tablesGranted });
  },
  undo: ({ admin, plan }) => storage.revokeAccess(admin, plan.database, plan.role, plan.schemas.map((s) => s.schema)),
});
