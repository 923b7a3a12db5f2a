import { tenantFileModel } from '../generated-files';
import type { Step } from '../plan';
import type { RunContext, StepDeps } from './context';

/** monitoring.yml, alert-rules.yml and sdk.env, written to a temporary folder then renamed. Undo: removes the folder. */
export const writeFilesStep = ({ files }: StepDeps): Step<RunContext> => ({
  name: 'write_files',
  run: async (ctx) => {
    const { plan } = ctx;
    ctx.files = await files.write(tenantFileModel({ id: plan.id, database: plan.database, role: plan.role, mode: plan.mode, modules: plan.modules.map((m) => m.name) }, plan.url));
    return { dir: files.dirFor(plan.id) };
  },
  undo: ({ plan }) => files.remove(plan.id),
});
