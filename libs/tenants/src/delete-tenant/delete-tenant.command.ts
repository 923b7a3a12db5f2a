import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';

export interface DeletionResult {
  id: string;
  status: 'deleting' | 'purged';
  purgeAfter?: Date;
}

/**
 * Soft delete: the tenant is refused at once (role NOLOGIN, status 'deleting') and its
 * data is kept for the grace period, then a purge job drops it. With `purge`, everything goes now.
 */
export class DeleteTenantCommand extends Command<DeletionResult> implements AuditedCommand {
  constructor(
    readonly id: string,
    /** Drop everything now instead of keeping the data for KRYONIX_DELETE_GRACE. */
    readonly purge: boolean,
    /** Only the tenant created at this instant (ISO): set by purge jobs. */
    readonly createdAt?: string,
  ) {
    super();
  }

  get audit(): AuditFacts {
    return { action: this.purge ? AUDIT_ACTIONS.purgeTenant : AUDIT_ACTIONS.deleteTenant, target: auditTarget(this.id) };
  }
}
