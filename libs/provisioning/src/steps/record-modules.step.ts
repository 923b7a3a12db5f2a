import { ModuleLedgerRepository } from '@kryonix/registry';
import type { Step } from '../plan';
import type { RunContext } from './context';

/** A ledger row per migration: module, version, checksum. Undo: deletes them. */
export const recordModulesStep = (): Step<RunContext> => ({
  name: 'record_modules',
  run: async ({ admin, plan }) => {
    await new ModuleLedgerRepository(admin).record(
      plan.id,
      plan.modules.flatMap((m) => m.migrations.map((mig) => ({ module: m.name, version: mig.version, name: mig.name, checksum: mig.checksum }))),
    );
    return { modules: Object.fromEntries(plan.modules.map((m) => [m.name, m.version])) };
  },
  undo: ({ admin, plan }) => new ModuleLedgerRepository(admin).deleteFor(plan.id),
});
