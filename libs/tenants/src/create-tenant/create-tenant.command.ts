import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';
import type { CreateTenantInput, StepEvent } from '@kryonix/provisioning';
import type { CreatedTenant } from '../disclosure';

export class CreateTenantCommand extends Command<CreatedTenant> implements AuditedCommand {
  constructor(
    readonly input: CreateTenantInput,
    /** Progress of each step, for callers that show it while it runs. */
    readonly onStep?: (event: StepEvent) => void,
    /** Set when a durable job runs the create. */
    readonly jobId?: string,
  ) {
    super();
  }

  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.createTenant, target: auditTarget((this.input as { id?: unknown }).id) };
  }
}
