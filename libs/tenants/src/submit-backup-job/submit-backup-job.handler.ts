import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { TenantAlreadyExists, TenantNotFound, validateIsolationMode, validateTenantId, validateTenantName } from '@kryonix/domain';
import { KRYONIX_CONFIG, type KryonixConfig, SecretBox } from '@kryonix/platform';
import { TenantBackups, openBackupById, refuseReplace } from '@kryonix/provisioning';
import { JobRepository, MoveRepository, ServerDirectory, TenantRepository } from '@kryonix/registry';
import { backupKey } from '../backup-tenant/backup-key';
import { JobView, toJobView } from '../get-job/get-job.query';
import { JOB_KINDS, passphraseContext } from '../jobs';
import { ownBackup } from '../restore-tenant/own-backup';
import { SubmitBackupJobCommand } from './submit-backup-job.command';

@CommandHandler(SubmitBackupJobCommand)
export class SubmitBackupJobHandler implements ICommandHandler<SubmitBackupJobCommand, JobView> {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly jobs: JobRepository,
    private readonly moves: MoveRepository,
    private readonly servers: ServerDirectory,
    private readonly backups: TenantBackups,
    private readonly secrets: SecretBox,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {}

  async execute({ request }: SubmitBackupJobCommand): Promise<JobView> {
    const jobId = randomUUID();
    // checked now: a passphrase too short is refused before anything is queued
    const sealed = (passphrase: string | undefined) => (passphrase === undefined ? {} : (backupKey(this.secrets, passphrase), { passphraseEnc: this.secrets.encrypt(passphrase, passphraseContext(jobId)) }));
    if (request.kind === 'backup_tenant') {
      const id = validateTenantId(request.id);
      await this.existing(id);
      // a backup of the tenant already queued or running is that job, not a second one
      const pending = await this.jobs.findPending(JOB_KINDS.backupTenant, id);
      if (pending) return toJobView(pending);
      return toJobView(await this.jobs.enqueue({ id: jobId, kind: JOB_KINDS.backupTenant, tenantId: id, payload: { id, ...sealed(request.passphrase) } }));
    }
    if (request.kind === 'clone_tenant') {
      const source = validateTenantId(request.source);
      const id = validateTenantId(request.id);
      await this.existing(source);
      await this.free(id);
      const options = await this.placementOptions(request);
      const name = request.name === undefined ? {} : { name: validateTenantName(request.name) };
      return toJobView(await this.jobs.enqueue({ id: jobId, kind: JOB_KINDS.cloneTenant, tenantId: id, payload: { source, id, ...name, ...options }, maxAttempts: 1 }));
    }
    const backup = await openBackupById(this.config.backupDir, request.backup);
    // the opening manifest only (its first chunk): the key or passphrase, and the tenant id it would take
    let backupTenant: string;
    try {
      const reader = await this.backups.openFile(backup.handle, backupKey(this.secrets, request.passphrase));
      try {
        backupTenant = (await reader.manifest()).tenant.id;
      } finally {
        await reader.close();
      }
    } finally {
      await backup.handle.close().catch(() => undefined);
    }
    if (request.replace !== undefined) {
      // over the tenant the backup is of, refused now as the replace itself would refuse it
      const id = ownBackup(request.replace, backupTenant, request.as);
      refuseReplace(id, await this.tenants.findById(id), await this.moves.findOpen(id), request);
      const options = await this.placementOptions(request);
      return toJobView(await this.jobs.enqueue({ id: jobId, kind: JOB_KINDS.restoreTenant, tenantId: id, payload: { backup: backup.id, replace: id, ...options, ...sealed(request.passphrase) }, maxAttempts: 1 }));
    }
    const as = validateTenantId(request.as ?? backupTenant);
    await this.free(as);
    const options = await this.placementOptions(request);
    return toJobView(await this.jobs.enqueue({ id: jobId, kind: JOB_KINDS.restoreTenant, tenantId: as, payload: { backup: backup.id, as, ...options, ...sealed(request.passphrase) }, maxAttempts: 1 }));
  }

  private async existing(id: string): Promise<void> {
    if (!(await this.tenants.findById(id))) throw new TenantNotFound(id);
  }

  private async free(id: string): Promise<void> {
    if (await this.tenants.findById(id)) throw new TenantAlreadyExists(id);
  }

  private async placementOptions(request: { mode?: string; server?: string }): Promise<{ mode?: string; server?: string }> {
    if (request.server !== undefined) await this.servers.record(request.server); // ServerNotFound now
    return { ...(request.mode !== undefined ? { mode: validateIsolationMode(request.mode) } : {}), ...(request.server !== undefined ? { server: request.server } : {}) };
  }
}
