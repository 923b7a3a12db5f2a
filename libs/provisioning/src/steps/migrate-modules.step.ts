import { ModuleLedgerRepository } from '@kryonix/registry';
import type { Step } from '../plan';
import type { RunContext } from './context';

/**
 * A restore made at the backup's module versions: the migrations of the catalog newer
 * than those, applied in one transaction and recorded in the ledger. Undo: nothing of its
 * own (the ledger rows go with record_modules', the objects with the storage's).
 */
export const migrateModulesStep = (): Step<RunContext> => ({
  name: 'migrate_modules',
  run: async ({ admin, server: { storage }, plan, restore }) => {
    const steps = plan.schemas
      .map(({ module, schema }) => {
        const current = restore?.current.find((m) => m.name === module.name);
        return { schema, module: module.name, migrations: current ? current.migrations.filter((m) => m.version > module.version) : [] };
      })
      .filter((s) => s.migrations.length);
    if (!steps.length) return { migrated: {} };
    const durations = await storage.applyMigrations(plan.database, plan.role, steps);
    await new ModuleLedgerRepository(admin).record(
      plan.id,
      steps.flatMap((s) => s.migrations.map((m) => ({ module: s.module, version: m.version, name: m.name, checksum: m.checksum, durationMs: durations.find((d) => d.module === s.module && d.version === m.version)?.durationMs }))),
    );
    return { migrated: Object.fromEntries(steps.map((s) => [s.module, s.migrations[s.migrations.length - 1]!.version])) };
  },
  undo: async () => undefined,
});
