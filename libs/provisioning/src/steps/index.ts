import type { IsolationMode } from '@kryonix/domain';
import type { Step } from '../plan';
import { activateStep } from './activate.step';
import type { RunContext, StepDeps } from './context';
import { createDatabaseStep } from './create-database.step';
import { createRoleStep } from './create-role.step';
import { createSchemasStep } from './create-schemas.step';
import { grantAccessStep } from './grant-access.step';
import { issueCertificateStep } from './issue-certificate.step';
import { issueApiKeyStep } from './issue-api-key.step';
import { loadDataStep } from './load-data.step';
import { migrateModulesStep } from './migrate-modules.step';
import { recordModulesStep } from './record-modules.step';
import { registerStep } from './register.step';
import { writeFilesStep } from './write-files.step';

export type { RestoreSource, RunContext, StepDeps, TenantPlan } from './context';

/** The steps of a create, in order (one file each: its action and its undo). */
export function createSteps(deps: StepDeps, mode: IsolationMode): Step<RunContext>[] {
  return [registerStep(), createRoleStep(), mode === 'database' ? createDatabaseStep() : createSchemasStep(), grantAccessStep(), recordModulesStep(), issueApiKeyStep(), writeFilesStep(deps), ...certificateSteps(deps), activateStep()];
}

/**
 * The steps of a restore: a create at the backup's module versions, its rows loaded and
 * checked (load_data) and the newer migrations applied (migrate_modules) before the key,
 * the files and the activation.
 */
export function restoreSteps(deps: StepDeps, mode: IsolationMode): Step<RunContext>[] {
  const steps = createSteps(deps, mode);
  const at = steps.findIndex((s) => s.name === 'record_modules') + 1;
  return [...steps.slice(0, at), loadDataStep(), migrateModulesStep(), ...steps.slice(at)];
}

/** The idempotent steps re-applied to a live tenant (no register, no activate; nothing is undone). */
export function repairSteps(deps: StepDeps): Step<RunContext>[] {
  return [createRoleStep(), createDatabaseStep(), createSchemasStep(), grantAccessStep(), recordModulesStep(), issueApiKeyStep(), writeFilesStep(deps), ...certificateSteps(deps)];
}

/** issue_certificate, where the local CA is in use (KRYONIX_LOCAL_CA); elsewhere (own certificates) the plan has no such step. */
function certificateSteps(deps: StepDeps): Step<RunContext>[] {
  return deps.certificates.enabled() ? [issueCertificateStep(deps)] : [];
}
