import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';
import type { StepEvent } from '@kryonix/provisioning';
import type { CreatedTenant } from '../disclosure';

export class RepairTenantCommand extends Command<CreatedTenant> implements AuditedCommand {
  constructor(
    readonly id: string,
    readonly onStep?: (event: StepEvent) => void,
  ) {
    super();
  }

  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.repairTenant, target: auditTarget(this.id) };
  }
}
