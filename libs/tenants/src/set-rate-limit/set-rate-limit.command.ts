import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';

/** A tenant's own data-plane limit (requests per minute), or null for the default. */
export class SetRateLimitCommand extends Command<{ id: string; rateLimitPerMinute: number | null }> implements AuditedCommand {
  constructor(
    readonly id: string,
    readonly perMinute: number | null,
  ) {
    super();
  }

  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.setRateLimit, target: auditTarget(this.id), details: { perMinute: this.perMinute } };
  }
}
