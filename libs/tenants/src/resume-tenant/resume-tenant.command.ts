import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';
import type { StatusChange } from '../suspend-tenant/suspend-tenant.command';

/** A suspended tenant's role gets LOGIN back. */
export class ResumeTenantCommand extends Command<StatusChange> implements AuditedCommand {
  constructor(readonly id: string) {
    super();
  }

  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.resumeTenant, target: auditTarget(this.id) };
  }
}
