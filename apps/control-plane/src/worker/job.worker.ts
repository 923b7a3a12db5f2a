import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { DatabaseConnector } from '@kryonix/platform';
import { RunNextJobCommand } from '@kryonix/tenants';
import { reportPassFailure } from './worker-errors';

export interface JobWorkerOptions {
  /** How often an idle worker looks for work (0 = the worker is off). */
  pollMs: number;
  heartbeatMs: number;
  staleAfterMs: number;
}
export const JOB_WORKER_OPTIONS = Symbol('JOB_WORKER_OPTIONS');

/**
 * Runs durable jobs from tenant_management.jobs, one at a time, until the queue
 * is empty; then polls. Any number of control planes can share one registry.
 */
@Injectable()
export class JobWorker implements OnApplicationBootstrap, OnModuleDestroy {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly logger = new Logger('jobs');
  private timer?: NodeJS.Timeout;
  private draining?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly commands: CommandBus,
    private readonly connector: DatabaseConnector,
    @Inject(JOB_WORKER_OPTIONS) private readonly options: JobWorkerOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.pollMs <= 0) return;
    this.timer = setInterval(() => void this.drain(), this.options.pollMs);
    this.timer.unref();
    void this.drain();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.draining;
  }

  /** Runs jobs until none is due. */
  drain(): Promise<void> {
    this.draining ??= (async () => {
      try {
        while (!this.stopped) {
          const job = await this.commands.execute(new RunNextJobCommand(this.id, this.options.staleAfterMs, this.options.heartbeatMs));
          if (!job) break;
          this.logger.log({ job: job.id, kind: job.kind, status: job.status, attempts: job.attempts }, 'job ran');
        }
      } catch (error) {
        reportPassFailure(this.logger, this.connector, error, 'job worker pass failed');
      } finally {
        this.draining = undefined;
      }
    })();
    return this.draining;
  }
}
