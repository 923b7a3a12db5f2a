import { Inject } from '@nestjs/common';
import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { ModuleCatalog } from '@kryonix/modules';
import { KRYONIX_CONFIG, type KryonixConfig, SecretBox } from '@kryonix/platform';
import { type BackupManifest, type BackupRecordReader, Provisioner, type StepEvent, type TableProgress, TenantBackups } from '@kryonix/provisioning';
import { backupKey } from '../backup-tenant/backup-key';
import { publicTenant } from '../disclosure';
import { TenantProvisionedEvent } from '../events/tenant-provisioned.event';
import { modulesOfBackup } from './backup-modules';
import { ownBackup } from './own-backup';
import { RestoreTenantCommand, RestoredTenant } from './restore-tenant.command';

@CommandHandler(RestoreTenantCommand)
export class RestoreTenantHandler implements ICommandHandler<RestoreTenantCommand, RestoredTenant> {
  constructor(
    private readonly provisioner: Provisioner,
    private readonly backups: TenantBackups,
    private readonly catalog: ModuleCatalog,
    private readonly secrets: SecretBox,
    private readonly events: EventBus,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {}

  async execute({ input, onStep, onTable, jobId }: RestoreTenantCommand): Promise<RestoredTenant> {
    const reader = await this.backups.openFile(input.handle ?? input.file, backupKey(this.secrets, input.passphrase));
    try {
      const manifest = await reader.manifest();
      const modules = modulesOfBackup(this.catalog, manifest);
      if (input.replace !== undefined) return await this.replace(input.replace, input, manifest, reader, onStep, onTable);
      let loaded = { tables: 0, rows: 0 };
      const tenant = await this.provisioner.restore(
        {
          id: input.as ?? manifest.tenant.id,
          name: manifest.tenant.name,
          mode: input.mode ?? manifest.tenant.mode,
          ...(input.server !== undefined ? { server: input.server } : {}),
          modules,
          load: async ({ server, plan }) => {
            loaded = await this.backups.load(server, plan, manifest, reader, onTable);
            return loaded;
          },
        },
        { onStep, ...(jobId !== undefined ? { jobId } : {}) },
      );
      this.events.publish(new TenantProvisionedEvent(tenant.id, tenant.mode, tenant.modules));
      return {
        ...publicTenant(tenant),
        restoredFrom: restoredFrom(manifest),
        ...loaded,
      };
    } finally {
      await reader.close();
    }
  }

  /** Over an existing tenant, from its own backup only (see ownBackup). */
  private async replace(rawId: string, input: RestoreTenantCommand['input'], manifest: BackupManifest, reader: BackupRecordReader, onStep?: (event: StepEvent) => void, onTable?: (progress: TableProgress) => void): Promise<RestoredTenant> {
    const id = ownBackup(rawId, manifest.tenant.id, input.as);
    let loaded = { tables: 0, rows: 0 };
    const { kept, ...tenant } = await this.provisioner.replace(
      {
        id,
        ...(input.mode !== undefined ? { mode: input.mode } : {}),
        ...(input.server !== undefined ? { server: input.server } : {}),
        modules: modulesOfBackup(this.catalog, manifest),
        keepMs: this.config.deleteGraceMs,
        load: async (server, target) => {
          loaded = await this.backups.load(server, target, manifest, reader, onTable);
          return loaded;
        },
      },
      { onStep },
    );
    this.events.publish(new TenantProvisionedEvent(tenant.id, tenant.mode, tenant.modules));
    return { ...publicTenant(tenant), restoredFrom: restoredFrom(manifest), ...loaded, replaced: kept };
  }
}

function restoredFrom(manifest: BackupManifest): RestoredTenant['restoredFrom'] {
  return { tenant: manifest.tenant.id, createdAt: manifest.createdAt, server: manifest.server.name, modules: Object.fromEntries(manifest.modules.map((m) => [m.name, m.version])) };
}
