import { Command } from '@nestjs/cqrs';
import type { StepEvent, TableProgress } from '@kryonix/provisioning';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';
import type { RestoredTenant } from '../restore-tenant/restore-tenant.command';

export interface CloneTenantInput {
  source: string;
  id: string;
  name?: string;
  mode?: string;
  server?: string;
}

/** A new tenant with a copy of another's rows (a staging or demo copy): backup + restore streamed, no file between. */
export class CloneTenantCommand extends Command<RestoredTenant> implements AuditedCommand {
  constructor(
    readonly input: CloneTenantInput,
    readonly onStep?: (event: StepEvent) => void,
    readonly onTable?: (progress: TableProgress) => void,
  ) {
    super();
  }

  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.cloneTenant, target: auditTarget(this.input.id), details: { source: auditTarget(this.input.source) } };
  }
}
