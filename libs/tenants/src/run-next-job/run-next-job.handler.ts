import { Inject } from '@nestjs/common';
import { CommandBus, CommandHandler, ICommandHandler, QueryBus } from '@nestjs/cqrs';
import type { MigrateOptions } from '@kryonix/fleet';
import { DetectDriftQuery } from '../detect-drift/detect-drift.query';
import { type ErrorCode, KryonixError, describeError, isServerAway, TenantAlreadyExists, TenantNotFound, Unprocessable, InvalidInput } from '@kryonix/domain';
import { KRYONIX_CONFIG, type KryonixConfig, SecretBox } from '@kryonix/platform';
import { type StepEvent, type TableProgress, fileSha256, openBackupById } from '@kryonix/provisioning';
import { JobRecord, JobRepository, ProvisioningLogRepository, TenantRepository } from '@kryonix/registry';
import { CreateTenantCommand } from '../create-tenant/create-tenant.command';
import { RotateApiKeyCommand } from '../rotate-api-key/rotate-api-key.command';
import { JobView, toJobView } from '../get-job/get-job.query';
import { ChangeModulesCommand } from '../change-modules/change-modules.command';
import { DeleteTenantCommand } from '../delete-tenant/delete-tenant.command';
import { MigrateFleetCommand } from '../migrate-fleet/migrate-fleet.command';
import { RunScheduledBackupCommand, SCHEDULER_ORIGIN } from '../run-scheduled-backup/run-scheduled-backup.command';
import { AuditedCommands } from '../audit/audited-commands';
import { withAuditOrigin } from '../audit/audit-origin';
import { BackupTenantPayload, ChangeModulesPayload, CloneTenantPayload, CreateTenantPayload, DrainServerPayload, JOB_KINDS, MoveTenantPayload, PurgeTenantPayload, RebalancePayload, RestoreTenantPayload, ScheduledBackupPayload, passphraseContext } from '../jobs';
import { BackupTenantCommand } from '../backup-tenant/backup-tenant.command';
import { RestoreTenantCommand } from '../restore-tenant/restore-tenant.command';
import { CloneTenantCommand } from '../clone-tenant/clone-tenant.command';
import { DrainServerCommand } from '../drain-server/drain-server.command';
import { ApplyRebalanceCommand } from '../apply-rebalance/apply-rebalance.command';
import { type CopyProgress, MoveTenantCommand } from '../move-tenant/move-tenant.command';
import { jobProgressWriter } from './job-progress';
import { PurgeReplacedCopyCommand } from '../purge-replaced-copy/purge-replaced-copy.command';
import type { ReplacedCopy } from '@kryonix/provisioning';
import { RunNextJobCommand } from './run-next-job.command';

/** A job cut short by an outage is tried again this soon (its attempt given back). */
const OUTAGE_RETRY_MS = 2_000;

/** Domain errors that a retry cannot fix; TENANT_BUSY and infrastructure errors are retried. */
const PERMANENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['INVALID_INPUT', 'UNKNOWN_MODULE', 'TENANT_EXISTS', 'TENANT_NOT_FOUND', 'TENANT_STATE', 'UNPROCESSABLE', 'MIGRATION_CHANGED', 'MOVE_FAILED', 'SERVER_UNFIT', 'SERVER_NOT_FOUND', 'BACKUP_UNREADABLE', 'BACKUP_NOT_FOUND']);

@CommandHandler(RunNextJobCommand)
export class RunNextJobHandler implements ICommandHandler<RunNextJobCommand, JobView | undefined> {
  constructor(
    private readonly jobs: JobRepository,
    private readonly tenants: TenantRepository,
    private readonly commands: CommandBus,
    private readonly audited: AuditedCommands,
    private readonly queries: QueryBus,
    private readonly secrets: SecretBox,
    private readonly log: ProvisioningLogRepository,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {}

  async execute({ workerId, staleAfterMs, heartbeatMs }: RunNextJobCommand): Promise<JobView | undefined> {
    const job = await this.jobs.claim(workerId, staleAfterMs);
    if (!job) return undefined;
    const beat = setInterval(() => void this.jobs.heartbeat(job.id, workerId).catch(() => undefined), heartbeatMs);
    try {
      const result = await this.run(job, workerId);
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
    const after = (await this.jobs.find(job.id))!;
    // a sealed passphrase is kept only while the job may still run
    if (after.payload.passphraseEnc !== undefined && (after.status === 'succeeded' || after.status === 'failed')) await this.jobs.forgetPayloadKey(job.id, 'passphraseEnc');
    return toJobView(after);
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

  private async run(job: JobRecord, workerId: string): Promise<Record<string, unknown>> {
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
        const { settled, ...follow } = this.rolloutProgressWriter(job, workerId);
        // its last progress written before the job ends (a write after that is refused: the job is no longer running)
        const report = await this.commands.execute(new MigrateFleetCommand({ ...options, ...follow })).finally(settled);
        const summary = { target: report.target, selected: report.selected, upToDate: report.upToDate, migrated: report.migrated.length, failed: report.failed, notAttempted: report.notAttempted.length, skipped: report.skipped, durationMs: report.durationMs };
        // Not every tenant at the target: the job failed (its result says which and why); no blind retry.
        if (report.failed.length || report.notAttempted.length) throw new Unprocessable(`Migration incomplete: ${JSON.stringify(summary)}`);
        return summary;
      }
      case JOB_KINDS.detectDrift: {
        const report = await this.queries.execute(new DetectDriftQuery());
        const byTenant = new Map<string, number>();
        for (const d of report.drifted) byTenant.set(d.tenant, (byTenant.get(d.tenant) ?? 0) + d.missing.length + d.unexpected.length);
        // A summary (the full differences are `kryonix drift`'s): the result stays small for a large fleet.
        return { checked: report.checked, drifted: byTenant.size, tenants: [...byTenant].slice(0, 100).map(([tenant, differences]) => ({ tenant, differences })) };
      }
      case JOB_KINDS.moveTenant:
        return this.moveTenant(job, workerId);
      case JOB_KINDS.scheduledBackup:
        // audited as the scheduler's (an operator's backup is audited by its door)
        return { ...(await withAuditOrigin({ ...SCHEDULER_ORIGIN, details: { jobId: job.id } }, () => this.audited.execute(new RunScheduledBackupCommand(job.payload as unknown as ScheduledBackupPayload)))) };
      case JOB_KINDS.backupTenant:
        return this.backupTenant(job);
      case JOB_KINDS.restoreTenant:
      case JOB_KINDS.cloneTenant:
        return this.restoreTenant(job);
      case JOB_KINDS.drainServer: {
        // a retry (the worker died) goes on with the tenants left, the moves it left finished or rolled back first;
        // tenants that could not be moved are in the result (state stays draining), not a failed job
        const { name, concurrency } = job.payload as unknown as DrainServerPayload;
        return { ...(await this.commands.execute(new DrainServerCommand(name, concurrency, undefined, job.id))) };
      }
      case JOB_KINDS.rebalance: {
        const { concurrency } = job.payload as unknown as RebalancePayload;
        return { ...(await this.commands.execute(new ApplyRebalanceCommand(concurrency, undefined, job.id))) };
      }
      case JOB_KINDS.purgeReplacedCopy:
        return { ...(await this.commands.execute(new PurgeReplacedCopyCommand(job.payload as unknown as ReplacedCopy))) };
      default:
        throw new InvalidInput(`Unknown job kind "${job.kind}".`);
    }
  }

  /**
   * A rollout's progress (done / failed / total, the failures with their error) written to
   * its job's result as it goes, for whoever follows it (the console's Fleet page).
   */
  private rolloutProgressWriter(job: JobRecord, workerId: string): Pick<MigrateOptions, 'onPlan' | 'onProgress'> & { settled: () => Promise<void> } {
    const progress = { done: 0, failed: 0, total: 0, failures: [] as Array<{ tenant: string; error: string }> };
    let writing = Promise.resolve();
    const write = () => {
      const snapshot = { progress: { ...progress, failures: progress.failures.slice(0, 50) } };
      writing = writing.then(() => this.jobs.progress(job.id, workerId, snapshot)).catch(() => undefined);
    };
    return {
      settled: () => writing,
      onPlan: (plan) => {
        progress.total = plan.planned.length;
        write();
      },
      onProgress: (event) => {
        if (event.status === 'migrated') progress.done++;
        else {
          progress.failed++;
          progress.failures.push({ tenant: event.tenant, error: event.error ?? 'failed' });
        }
        progress.total = event.total;
        write();
      },
    };
  }

  /**
   * A move, its phases and its copy's progress (tables, rows, lag) written to the job's result
   * as they come (`{ steps, progress }`, as the move row has them), for whoever follows the
   * job (`tenant move --api`); the move's result replaces them.
   */
  private async moveTenant(job: JobRecord, workerId: string): Promise<Record<string, unknown>> {
    const { id, to, attempts } = job.payload as unknown as MoveTenantPayload;
    const writer = jobProgressWriter(this.jobs, job.id, workerId);
    const steps: StepEvent[] = [];
    let progress: CopyProgress | undefined;
    const write = () => writer.write({ steps, ...(progress ? { progress } : {}) });
    const command = new MoveTenantCommand(
      { id, to, attempts },
      (event) => {
        steps.push(event);
        write();
      },
      job.id,
      (p) => {
        progress = p;
        write();
      },
    );
    return { ...(await this.commands.execute(command).finally(() => writer.settled())) };
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

  /** The backup's id, size and checksums; never its path on this machine. */
  private async backupTenant(job: JobRecord): Promise<Record<string, unknown>> {
    const { id, passphraseEnc } = job.payload as unknown as BackupTenantPayload;
    const progress: Array<Omit<TableProgress, 'sha256'>> = [];
    const { file, tables, ...result } = await this.commands.execute(
      new BackupTenantCommand({ id, ...this.passphrase(job, passphraseEnc) }, ({ table, rows, durationMs }) => progress.push({ table, rows, durationMs })),
    );
    return { ...result, sha256: await fileSha256(file), tables: tables.map((t) => ({ ...t, durationMs: progress.find((p) => p.table === t.table)?.durationMs })) };
  }

  /**
   * A restore (of a backup in KRYONIX_BACKUP_DIR, by its id: a new tenant, or over one with `replace`, which keeps its
   * key and says where the replaced copy is kept) or a clone; its steps and tables in the result, a new API key sealed until the first read.
   */
  private async restoreTenant(job: JobRecord): Promise<Record<string, unknown>> {
    const steps: StepEvent[] = [];
    const progress: Array<Omit<TableProgress, 'sha256'>> = [];
    const onStep = (e: StepEvent) => void steps.push(e);
    const onTable = ({ table, rows, durationMs }: TableProgress) => void progress.push({ table, rows, durationMs });
    let restored;
    if (job.kind === JOB_KINDS.cloneTenant) {
      restored = await this.commands.execute(new CloneTenantCommand(job.payload as unknown as CloneTenantPayload, onStep, onTable));
    } else {
      const { backup, passphraseEnc, ...input } = job.payload as unknown as RestoreTenantPayload;
      // opened once, without following a symbolic link, and read from that descriptor (no second open by path)
      const { path, handle } = await openBackupById(this.config.backupDir, backup);
      try {
        // its job id in the log: a retry (after an outage) undoes the half-made tenant it left first
        restored = await this.commands.execute(new RestoreTenantCommand({ file: path, handle, ...input, ...this.passphrase(job, passphraseEnc) }, onStep, onTable, job.id));
      } finally {
        await handle.close().catch(() => undefined); // closed with its stream already, unless the restore never read it
      }
    }
    const { apiKey, ...tenant } = restored;
    return { ...tenant, backup: job.kind === JOB_KINDS.restoreTenant ? (job.payload as unknown as RestoreTenantPayload).backup : undefined, steps, tableProgress: progress, ...this.sealed(job, apiKey) };
  }

  private passphrase(job: JobRecord, sealed: string | undefined): { passphrase?: string } {
    return sealed === undefined ? {} : { passphrase: this.secrets.decrypt(sealed, passphraseContext(job.id)) };
  }

  private sealed(job: JobRecord, apiKey: string | undefined): Record<string, string> {
    return apiKey ? { apiKeyEnc: this.secrets.encrypt(apiKey, `job:${job.id}`) } : {};
  }
}
