import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';
import type { ScheduledBackupPayload } from '../jobs';

export interface ScheduledBackupResult {
  id: string;
  scheduledFor: string;
  /** The backup made, or why none was (the tenant is gone or no longer active). */
  backupId: string | null;
  skipped: string | null;
  bytes: number;
  rows: number;
  /** The tenant's scheduled backups removed after it, beyond KRYONIX_BACKUP_KEEP. */
  pruned: string[];
}

/** One scheduled backup (a job of ScheduleBackups): the tenant backed up, then its scheduled backups pruned to KRYONIX_BACKUP_KEEP. */
export class RunScheduledBackupCommand extends Command<ScheduledBackupResult> implements AuditedCommand {
  constructor(readonly payload: ScheduledBackupPayload) {
    super();
  }

  /** Written with the actor `scheduler` by the job that runs it (SCHEDULER_ORIGIN). */
  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.backupTenant, target: auditTarget(this.payload.id), details: { trigger: 'schedule', scheduledFor: this.payload.scheduledFor } };
  }
}

/** Who a scheduled backup's audit row names: the control plane's schedule, not an operator. */
export const SCHEDULER_ORIGIN = { actor: 'scheduler', door: 'scheduler' } as const;
