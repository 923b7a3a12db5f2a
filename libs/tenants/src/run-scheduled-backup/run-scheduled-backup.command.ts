import { Command } from '@nestjs/cqrs';
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
export class RunScheduledBackupCommand extends Command<ScheduledBackupResult> {
  constructor(readonly payload: ScheduledBackupPayload) {
    super();
  }
}
