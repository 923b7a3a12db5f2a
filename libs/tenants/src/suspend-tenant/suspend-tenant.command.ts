import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';
import type { TenantStatus } from '@kryonix/domain';

export interface StatusChange {
  id: string;
  status: TenantStatus;
}

/** The tenant is refused at once: its role loses LOGIN and its open sessions end; data and keys stay. */
export class SuspendTenantCommand extends Command<StatusChange> implements AuditedCommand {
  constructor(readonly id: string) {
    super();
  }

  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.suspendTenant, target: auditTarget(this.id) };
  }
}
