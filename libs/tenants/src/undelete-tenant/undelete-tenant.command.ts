import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';
import type { StatusChange } from '../suspend-tenant/suspend-tenant.command';

/** A deleted tenant, within its grace period, back as it was: status, role, keys and data. */
export class UndeleteTenantCommand extends Command<StatusChange> implements AuditedCommand {
  constructor(readonly id: string) {
    super();
  }

  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.undeleteTenant, target: auditTarget(this.id) };
  }
}
