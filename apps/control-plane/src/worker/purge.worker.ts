import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { DatabaseConnector } from '@kryonix/platform';
import { FinishLeftMovesCommand, PurgeExpiredTenantsCommand, PurgeKeptCopiesCommand } from '@kryonix/tenants';
import { reportPassFailure } from './worker-errors';

export const WORKER_INTERVAL_MS = Symbol('WORKER_INTERVAL_MS');

/**
 * Queues purge jobs for soft-deleted tenants once their grace period (KRYONIX_DELETE_GRACE) is over, drops moved tenants' source copies once KRYONIX_MOVE_KEEP is,
 * and finishes the roll-backs and clean-ups that moves had to leave while a server was away.
 */
@Injectable()
export class PurgeWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('worker');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly commands: CommandBus,
    private readonly connector: DatabaseConnector,
    @Inject(WORKER_INTERVAL_MS) private readonly intervalMs: number,
  ) {}

  onApplicationBootstrap(): void {
    if (this.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; never two at once in this process (the tenant lock guards across processes). */
  tick(): Promise<void> {
    this.running ??= this.commands
      .execute(new PurgeExpiredTenantsCommand())
      .then((ids) => {
        if (ids.length) this.logger.log({ tenants: ids }, 'queued purges of tenants past their grace period');
      })
      .then(() => this.commands.execute(new PurgeKeptCopiesCommand()))
      .then((moves) => {
        if (moves.length) this.logger.log({ moves }, 'purged the source copies of moved tenants past KRYONIX_MOVE_KEEP');
      })
      .then(() => this.commands.execute(new FinishLeftMovesCommand()))
      .then((moves) => {
        if (moves.length) this.logger.log({ moves }, 'finished what moves had left while a server was away');
      })
      .catch((error: unknown) => reportPassFailure(this.logger, this.connector, error, 'purge pass failed'))
      .finally(() => (this.running = undefined));
    return this.running;
  }
}
