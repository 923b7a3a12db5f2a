import { Command } from '@nestjs/cqrs';

export interface ScheduledSlot {
  /** The scheduled time the jobs are for (ISO): the latest at or before `now`. */
  scheduledFor: string;
  /** Jobs queued by this call (0 when another control plane, or an earlier call, queued them). */
  queued: number;
  /** The next scheduled time after `now`. */
  next: string;
}

/**
 * Queues a scheduled backup (a durable job) of every active tenant for the latest scheduled
 * time at or before `now` (KRYONIX_BACKUP_SCHEDULE), once per tenant and time however many
 * control planes ask: so after a time when all were down, only the latest missed time is
 * made, once. A tenant made after that time waits for the next one. Undefined when
 * scheduled backups are off.
 */
export class ScheduleBackupsCommand extends Command<ScheduledSlot | undefined> {
  constructor(readonly now: Date = new Date()) {
    super();
  }
}
