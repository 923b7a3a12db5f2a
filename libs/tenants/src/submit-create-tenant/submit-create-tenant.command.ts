import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';
import type { CreateTenantInput } from '@kryonix/provisioning';
import type { JobView } from '../get-job/get-job.query';

/** Validates a create now and queues the provisioning as a durable job (HTTP `Prefer: respond-async`). */
export class SubmitCreateTenantCommand extends Command<JobView> implements AuditedCommand {
  constructor(readonly input: CreateTenantInput) {
    super();
  }

  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.createTenant, target: auditTarget((this.input as { id?: unknown }).id), details: { async: true } };
  }
}
