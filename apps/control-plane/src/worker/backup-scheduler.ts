import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { type BackupSchedule, DatabaseConnector, KRYONIX_CONFIG, type KryonixConfig, backupScheduleOf } from '@kryonix/platform';
import { ScheduleBackupsCommand } from '@kryonix/tenants';
import { reportPassFailure } from './worker-errors';

/** Wake at least this often (a clock that jumped, a long wait for the next time), and retry this soon after a failure. */
const MAX_SLEEP_MS = 60_000;
const RETRY_MS = 5_000;

/**
 * KRYONIX_BACKUP_SCHEDULE in the control plane: at start (a time missed while it was down
 * is made once) and at each scheduled time, queues the scheduled backups of that time as
 * durable jobs (ScheduleBackups: once per tenant and time, however many control planes
 * do it), which the job worker runs. Off when no schedule is set.
 */
@Injectable()
export class BackupScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('backups');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  /** The latest scheduled time queued by this process: the next pass waits for a later one. */
  private lastQueued?: string;
  private readonly schedule?: BackupSchedule;

  constructor(
    private readonly commands: CommandBus,
    private readonly connector: DatabaseConnector,
    @Inject(KRYONIX_CONFIG) config: KryonixConfig,
  ) {
    this.schedule = backupScheduleOf(config);
  }

  onApplicationBootstrap(): void {
    if (this.schedule) void this.tick();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass, then the timer to the next scheduled time. */
  tick(): Promise<void> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    if (!this.schedule) return;
    let wait = RETRY_MS;
    try {
      const now = new Date();
      // once per scheduled time: the tenants due then do not change afterwards
      if (this.schedule.latestAtOrBefore(now).toISOString() !== this.lastQueued) {
        const slot = await this.commands.execute(new ScheduleBackupsCommand(now));
        if (slot?.queued) this.logger.log({ scheduledFor: slot.scheduledFor, tenants: slot.queued }, 'queued scheduled backups');
        this.lastQueued = slot?.scheduledFor;
      }
      wait = Math.max(0, Math.min(MAX_SLEEP_MS, this.schedule.nextAfter(new Date()).getTime() - Date.now()));
    } catch (error) {
      reportPassFailure(this.logger, this.connector, error, 'could not queue the scheduled backups');
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), wait);
    this.timer.unref();
  }
}
