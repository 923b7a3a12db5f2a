import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand } from '../audit/audit-actions';
import type { JobView } from '../get-job/get-job.query';

/**
 * Queues a drift check of the whole fleet as a durable job (a check of a large fleet takes
 * longer than a page load); its result is a summary (checked, drifted, per tenant).
 */
export class SubmitDriftCheckCommand extends Command<JobView> implements AuditedCommand {
  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.detectDrift, details: { async: true } };
  }
}
