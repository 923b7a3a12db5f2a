import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { ModuleCatalog } from '@kryonix/modules';
import { BackupRecordReader, Provisioner, TenantBackups, TenantOperations } from '@kryonix/provisioning';
import { ModuleLedgerRepository } from '@kryonix/registry';
import { publicTenant } from '../disclosure';
import { TenantProvisionedEvent } from '../events/tenant-provisioned.event';
import { modulesOfBackup } from '../restore-tenant/backup-modules';
import type { RestoredTenant } from '../restore-tenant/restore-tenant.command';
import { CloneTenantCommand } from './clone-tenant.command';

@CommandHandler(CloneTenantCommand)
export class CloneTenantHandler implements ICommandHandler<CloneTenantCommand, RestoredTenant> {
  constructor(
    private readonly operations: TenantOperations,
    private readonly provisioner: Provisioner,
    private readonly backups: TenantBackups,
    private readonly catalog: ModuleCatalog,
    private readonly events: EventBus,
  ) {}

  async execute({ input, onStep, onTable }: CloneTenantCommand): Promise<RestoredTenant> {
    // the source's snapshot stays open while the copy is made: its records go straight into the load
    const result = await this.operations.run(input.source, 'clone', ['active', 'suspended'], async (admin, source, server) => {
      const ledger = await new ModuleLedgerRepository(admin).listFor(source.id);
      return this.backups.read(source, server, ledger, async (_opening, records) => {
        const reader = new BackupRecordReader(records);
        // closing the reader ends the snapshot's COPY under way when the copy fails part-way
        try {
          return await this.copy(input, source.id, reader, onStep, onTable);
        } finally {
          await reader.close();
        }
      });
    });
    this.events.publish(new TenantProvisionedEvent(result.id, result.mode, result.modules));
    return result;
  }

  private async copy(input: CloneTenantCommand['input'], sourceId: string, reader: BackupRecordReader, onStep: CloneTenantCommand['onStep'], onTable: CloneTenantCommand['onTable']): Promise<RestoredTenant> {
    const manifest = await reader.manifest();
    let loaded = { tables: 0, rows: 0 };
    const tenant = await this.provisioner.restore(
      {
        id: input.id,
        name: input.name ?? manifest.tenant.name,
        mode: input.mode ?? manifest.tenant.mode,
        ...(input.server !== undefined ? { server: input.server } : {}),
        modules: modulesOfBackup(this.catalog, manifest),
        load: async (target) => (loaded = await this.backups.load(target.server, target.plan, manifest, reader, onTable)),
      },
      { onStep },
    );
    return { ...publicTenant(tenant), restoredFrom: { tenant: sourceId, createdAt: manifest.createdAt, server: manifest.server.name, modules: Object.fromEntries(manifest.modules.map((m) => [m.name, m.version])) }, ...loaded };
  }
}
