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
import { recordModulesStep } from './record-modules.step';
import { registerStep } from './register.step';
import { writeFilesStep } from './write-files.step';

export type { RunContext, StepDeps, TenantPlan } from './context';

/** The steps of a create, in order (one file each: its action and its undo). */
export function createSteps(deps: StepDeps, mode: IsolationMode): Step<RunContext>[] {
  return [registerStep(), createRoleStep(), mode === 'database' ? createDatabaseStep() : createSchemasStep(), grantAccessStep(), recordModulesStep(), issueApiKeyStep(), writeFilesStep(deps), ...certificateSteps(deps), activateStep()];
}

/** The idempotent steps re-applied to a live tenant (no register, no activate; nothing is undone). */
export function repairSteps(deps: StepDeps): Step<RunContext>[] {
  return [createRoleStep(), createDatabaseStep(), createSchemasStep(), grantAccessStep(), recordModulesStep(), issueApiKeyStep(), writeFilesStep(deps), ...certificateSteps(deps)];
}

/** issue_certificate, where the local CA is in use (KRYONIX_LOCAL_CA); elsewhere (own certificates) the plan has no such step. */
function certificateSteps(deps: StepDeps): Step<RunContext>[] {
  return deps.certificates.enabled() ? [issueCertificateStep(deps)] : [];
}
