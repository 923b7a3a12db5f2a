import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';
import type { JobView } from '../get-job/get-job.query';

export type TenantJobRequest =
  | { kind: 'change_modules'; id: string; modules: unknown; purge: boolean }
  | { kind: 'purge_tenant'; id: string }
  | { kind: 'move_tenant'; id: string; to: unknown; attempts?: unknown };

/** Checks a module change, a purge or a move now and queues it as a durable job (HTTP `Prefer: respond-async`; a move always). */
export class SubmitTenantJobCommand extends Command<JobView> implements AuditedCommand {
  constructor(readonly request: TenantJobRequest) {
    super();
  }

  get audit(): AuditFacts {
    const action = { purge_tenant: AUDIT_ACTIONS.purgeTenant, change_modules: AUDIT_ACTIONS.changeModules, move_tenant: AUDIT_ACTIONS.moveTenant }[this.request.kind];
    const details = this.request.kind === 'change_modules' ? { purge: this.request.purge } : this.request.kind === 'move_tenant' ? { to: typeof this.request.to === 'string' ? this.request.to.slice(0, 40) : undefined } : {};
    return { action, target: auditTarget(this.request.id), details: { async: true, ...details } };
  }
}
