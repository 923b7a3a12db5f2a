import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { ModuleCatalog } from '@kryonix/modules';
import { SecretBox } from '@kryonix/platform';
import { Provisioner, TenantBackups } from '@kryonix/provisioning';
import { backupKey } from '../backup-tenant/backup-key';
import { publicTenant } from '../disclosure';
import { TenantProvisionedEvent } from '../events/tenant-provisioned.event';
import { modulesOfBackup } from './backup-modules';
import { RestoreTenantCommand, RestoredTenant } from './restore-tenant.command';

@CommandHandler(RestoreTenantCommand)
export class RestoreTenantHandler implements ICommandHandler<RestoreTenantCommand, RestoredTenant> {
  constructor(
    private readonly provisioner: Provisioner,
    private readonly backups: TenantBackups,
    private readonly catalog: ModuleCatalog,
    private readonly secrets: SecretBox,
    private readonly events: EventBus,
  ) {}

  async execute({ input, onStep, onTable }: RestoreTenantCommand): Promise<RestoredTenant> {
    const reader = await this.backups.openFile(input.file, backupKey(this.secrets, input.passphrase));
    try {
      const manifest = await reader.manifest();
      const modules = modulesOfBackup(this.catalog, manifest);
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
        { onStep },
      );
      this.events.publish(new TenantProvisionedEvent(tenant.id, tenant.mode, tenant.modules));
      return {
        ...publicTenant(tenant),
        restoredFrom: { tenant: manifest.tenant.id, createdAt: manifest.createdAt, server: manifest.server.name, modules: Object.fromEntries(manifest.modules.map((m) => [m.name, m.version])) },
        ...loaded,
      };
    } finally {
      await reader.close();
    }
  }
}
