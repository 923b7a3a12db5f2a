import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { KRYONIX_CONFIG, type KryonixConfig, backupScheduleOf } from '@kryonix/platform';
import { JobRepository, TenantRepository } from '@kryonix/registry';
import { JOB_KINDS, type ScheduledBackupPayload } from '../jobs';
import { ScheduleBackupsCommand, ScheduledSlot } from './schedule-backups.command';

/** A scheduled backup that keeps failing is left for the next scheduled time. */
const MAX_ATTEMPTS = 3;

@CommandHandler(ScheduleBackupsCommand)
export class ScheduleBackupsHandler implements ICommandHandler<ScheduleBackupsCommand, ScheduledSlot | undefined> {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly jobs: JobRepository,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {}

  async execute({ now }: ScheduleBackupsCommand): Promise<ScheduledSlot | undefined> {
    const schedule = backupScheduleOf(this.config);
    if (!schedule) return undefined;
    const slot = schedule.latestAtOrBefore(now);
    const scheduledFor = slot.toISOString();
    const due = (await this.tenants.list({ status: 'active' })).filter((t) => t.createdAt <= slot);
    const queued = await this.jobs.enqueueOnce(
      due.map((t) => {
        const payload: ScheduledBackupPayload = { id: t.id, scheduledFor };
        return { id: randomUUID(), kind: JOB_KINDS.scheduledBackup, tenantId: t.id, payload: { ...payload }, uniqueKey: `${JOB_KINDS.scheduledBackup}:${t.id}:${scheduledFor}`, maxAttempts: MAX_ATTEMPTS };
      }),
    );
    return { scheduledFor, queued: queued.length, next: schedule.nextAfter(now).toISOString() };
  }
}
