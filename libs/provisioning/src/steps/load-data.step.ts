import type { Step } from '../plan';
import type { RunContext } from './context';

/**
 * A restore's rows, sequences and checks (row counts, checksums against the backup's
 * manifest), loaded in one transaction into the storage made by the steps before.
 * Undo: nothing of its own (the database or schemas it filled go with their steps' undo).
 */
export const loadDataStep = (): Step<RunContext> => ({
  name: 'load_data',
  run: async (ctx) => (ctx.restore ? ctx.restore.load({ server: ctx.server, plan: ctx.plan }) : { skipped: 'not a restore' }),
  undo: async () => undefined,
});
