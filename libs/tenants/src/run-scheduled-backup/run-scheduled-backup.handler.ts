import { Inject } from '@nestjs/common';
import { CommandBus, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { validateTenantId } from '@kryonix/domain';
import { KRYONIX_CONFIG, type KryonixConfig } from '@kryonix/platform';
import { BackupCatalog } from '@kryonix/provisioning';
import { TenantRepository } from '@kryonix/registry';
import { BackupTenantCommand } from '../backup-tenant/backup-tenant.command';
import { RunScheduledBackupCommand, ScheduledBackupResult } from './run-scheduled-backup.command';

@CommandHandler(RunScheduledBackupCommand)
export class RunScheduledBackupHandler implements ICommandHandler<RunScheduledBackupCommand, ScheduledBackupResult> {
  constructor(
    private readonly commands: CommandBus,
    private readonly tenants: TenantRepository,
    private readonly catalog: BackupCatalog,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {}

  async execute({ payload }: RunScheduledBackupCommand): Promise<ScheduledBackupResult> {
    const id = validateTenantId(payload.id);
    const scheduledFor = new Date(payload.scheduledFor).toISOString();
    const none = { id, scheduledFor, backupId: null, bytes: 0, rows: 0, pruned: [] };
    // queued while it was active; since then deleted or suspended: nothing to do for this time
    const tenant = await this.tenants.findById(id);
    if (!tenant) return { ...none, skipped: 'the tenant no longer exists' };
    if (tenant.status !== 'active') return { ...none, skipped: `the tenant is ${tenant.status}` };
    const made = await this.commands.execute(new BackupTenantCommand({ id, scheduledFor }));
    const pruned = await this.catalog.prune(id, this.config.backupKeep);
    return { id, scheduledFor, backupId: made.backupId, skipped: null, bytes: made.bytes, rows: made.rows, pruned: pruned.map((p) => p.id) };
  }
}
