import type { Step } from '../plan';
import type { RunContext, StepDeps } from './context';

/**
 * The tenant's leaf certificate for `<id>.<base-domain>` from the local CA, into the folder
 * the data plane serves by SNI (only in the plan where the local CA is in use). Undo: removes it.
 */
export const issueCertificateStep = ({ certificates }: StepDeps): Step<RunContext> => ({
  name: 'issue_certificate',
  run: async ({ plan }) => ({ certificate: await certificates.ensure(plan.id), file: certificates.file(plan.id) }),
  undo: async ({ plan }) => {
    await certificates.remove(plan.id);
  },
});
