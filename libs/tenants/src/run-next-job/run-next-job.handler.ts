import { CommandBus, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { type ErrorCode, KryonixError, describeError, isServerAway, TenantAlreadyExists, TenantNotFound, Unprocessable, InvalidInput } from '@kryonix/domain';
import { SecretBox } from '@kryonix/platform';
import { JobRecord, JobRepository, ProvisioningLogRepository, TenantRepository } from '@kryonix/registry';
import { CreateTenantCommand } from '../create-tenant/create-tenant.command';
import { RotateApiKeyCommand } from '../rotate-api-key/rotate-api-key.command';
import { JobView, toJobView } from '../get-job/get-job.query';
import { ChangeModulesCommand } from '../change-modules/change-modules.command';
import { DeleteTenantCommand } from '../delete-tenant/delete-tenant.command';
import { MigrateFleetCommand } from '../migrate-fleet/migrate-fleet.command';
import { ChangeModulesPayload, CreateTenantPayload, JOB_KINDS, MoveTenantPayload, PurgeTenantPayload } from '../jobs';
import { MoveTenantCommand } from '../move-tenant/move-tenant.command';
import { PurgeReplacedCopyCommand } from '../purge-replaced-copy/purge-replaced-copy.command';
import type { ReplacedCopy } from '@kryonix/provisioning';
import { RunNextJobCommand } from './run-next-job.command';

/** A job cut short by an outage is tried again this soon (its attempt given back). */
const OUTAGE_RETRY_MS = 2_000;

/** Domain errors that a retry cannot fix; TENANT_BUSY and infrastructure errors are retried. */
const PERMANENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['INVALID_INPUT', 'UNKNOWN_MODULE', 'TENANT_EXISTS', 'TENANT_NOT_FOUND', 'TENANT_STATE', 'UNPROCESSABLE', 'MIGRATION_CHANGED', 'MOVE_FAILED', 'SERVER_UNFIT', 'SERVER_NOT_FOUND']);

@CommandHandler(RunNextJobCommand)
export class RunNextJobHandler implements ICommandHandler<RunNextJobCommand, JobView | undefined> {
  constructor(
    private readonly jobs: JobRepository,
    private readonly tenants: TenantRepository,
    private readonly commands: CommandBus,
    private readonly secrets: SecretBox,
    private readonly log: ProvisioningLogRepository,
  ) {}

  async execute({ workerId, staleAfterMs, heartbeatMs }: RunNextJobCommand): Promise<JobView | undefined> {
    const job = await this.jobs.claim(workerId, staleAfterMs);
    if (!job) return undefined;
    const beat = setInterval(() => void this.jobs.heartbeat(job.id, workerId).catch(() => undefined), heartbeatMs);
    try {
      const result = await this.run(job);
      await this.jobs.succeed(job.id, workerId, result);
    } catch (error) {
      if (isServerAway(error)) {
        // Cut short by an outage (a server restart, a terminated connection): not the job's
        // fault, and an outage can outlast any backoff, so the attempt is given back.
        await this.requeueAfterOutage(job, workerId, describeError(error).message, staleAfterMs);
      } else {
        const code = error instanceof KryonixError ? error.code : 'INTERNAL';
        const retry = !PERMANENT.has(code) && job.attempts < job.maxAttempts;
        // Backoff: 1 s, 4 s, 9 s, … capped at 5 minutes.
        await this.jobs.fail(job.id, workerId, (error as Error).message, retry ? Math.min(job.attempts ** 2 * 1000, 300_000) : null);
      }
    } finally {
      clearInterval(beat);
    }
    return toJobView((await this.jobs.find(job.id))!);
  }

  /**
   * Puts the job back in the queue without using an attempt, retrying the write while the
   * registry is away (up to the time after which another worker would take the job over:
   * then that worker's claim counts the attempt, as for a worker that died).
   */
  private async requeueAfterOutage(job: JobRecord, workerId: string, message: string, staleAfterMs: number): Promise<void> {
    const deadline = Date.now() + staleAfterMs;
    for (;;) {
      try {
        return await this.jobs.fail(job.id, workerId, message, OUTAGE_RETRY_MS, true);
      } catch (error) {
        if (!isServerAway(error) || Date.now() + 1000 > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  private async run(job: JobRecord): Promise<Record<string, unknown>> {
    switch (job.kind) {
      case JOB_KINDS.createTenant:
        return this.createTenant(job);
      case JOB_KINDS.changeModules: {
        const { id, modules, purge } = job.payload as unknown as ChangeModulesPayload;
        return { ...(await this.commands.execute(new ChangeModulesCommand(id, modules, purge))) };
      }
      case JOB_KINDS.purgeTenant: {
        const { id, createdAt } = job.payload as unknown as PurgeTenantPayload;
        try {
          return { ...(await this.commands.execute(new DeleteTenantCommand(id, true, createdAt))) };
        } catch (error) {
          // A previous attempt purged it and died before saying so.
          if (error instanceof TenantNotFound && job.attempts > 1) return { id, status: 'purged' };
          throw error;
        }
      }
      case JOB_KINDS.migrateFleet: {
        const options = job.payload as { tenants?: string[]; modules?: string[]; concurrency?: number; concurrencyPerServer?: number; canary?: number; continueOnError?: boolean };
        const report = await this.commands.execute(new MigrateFleetCommand(options));
        const summary = { target: report.target, selected: report.selected, upToDate: report.upToDate, migrated: report.migrated.length, failed: report.failed, notAttempted: report.notAttempted.length, skipped: report.skipped, durationMs: report.durationMs };
        // Not every tenant at the target: the job failed (its result says which and why); no blind retry.
        if (report.failed.length || report.notAttempted.length) throw new Unprocessable(`Migration incomplete: ${JSON.stringify(summary)}`);
        return summary;
      }
      case JOB_KINDS.moveTenant: {
        const { id, to, attempts } = job.payload as unknown as MoveTenantPayload;
        return { ...(await this.commands.execute(new MoveTenantCommand({ id, to, attempts }, undefined, job.id))) };
      }
      case JOB_KINDS.purgeReplacedCopy:
        return { ...(await this.commands.execute(new PurgeReplacedCopyCommand(job.payload as unknown as ReplacedCopy))) };
      default:
        throw new InvalidInput(`Unknown job kind "${job.kind}".`);
    }
  }

  private async createTenant(job: JobRecord): Promise<Record<string, unknown>> {
    const input = job.payload as unknown as CreateTenantPayload;
    try {
      const { apiKey, ...tenant } = await this.commands.execute(new CreateTenantCommand(input, undefined, job.id));
      return { ...tenant, ...this.sealed(job, apiKey) };
    } catch (error) {
      // An earlier attempt created the tenant, then its worker died before recording it:
      // that key was never shown, so issue a fresh one.
      const existing = error instanceof TenantAlreadyExists && job.attempts > 1 ? await this.tenants.findById(input.id) : undefined;
      // Only a tenant this very job started (its id is in the provisioning log), never someone else's.
      if (!existing || existing.status !== 'active' || !(await this.log.startedByJob(input.id, job.id))) throw error;
      const { apiKey } = await this.commands.execute(new RotateApiKeyCommand(input.id));
      return { id: existing.id, name: existing.name, mode: existing.mode, database: existing.databaseName, modules: existing.modules, ...this.sealed(job, apiKey) };
    }
  }

  private sealed(job: JobRecord, apiKey: string | undefined): Record<string, string> {
    return apiKey ? { apiKeyEnc: this.secrets.encrypt(apiKey, `job:${job.id}`) } : {};
  }
}
