import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';
import type { JobView } from '../get-job/get-job.query';

export type TenantJobRequest = { kind: 'change_modules'; id: string; modules: unknown; purge: boolean } | { kind: 'purge_tenant'; id: string };

/** Checks a module change or a purge now and queues it as a durable job (HTTP `Prefer: respond-async`). */
export class SubmitTenantJobCommand extends Command<JobView> implements AuditedCommand {
  constructor(readonly request: TenantJobRequest) {
    super();
  }

  get audit(): AuditFacts {
    return { action: this.request.kind === 'purge_tenant' ? AUDIT_ACTIONS.purgeTenant : AUDIT_ACTIONS.changeModules, target: auditTarget(this.request.id), details: { async: true, ...(this.request.kind === 'change_modules' ? { purge: this.request.purge } : {}) } };
  }
}
