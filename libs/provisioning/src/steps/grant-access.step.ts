import type { Step } from '../plan';
import type { RunContext } from './context';

/** CONNECT on its database only, usage of its schemas, DML on their tables and sequences. Undo: REVOKE. */
export const grantAccessStep = (): Step<RunContext> => ({
  name: 'grant_access',
  run: async ({ server: { storage }, plan, tablesGranted }) => {
    await storage.grantAccess(plan.database, plan.role, plan.schemas.map((s) => s.schema), { tables: !tablesGranted });
  },
  undo: ({ server: { admin, storage }, plan }) => storage.revokeAccess(admin, plan.database, plan.role, plan.schemas.map((s) => s.schema)),
});
