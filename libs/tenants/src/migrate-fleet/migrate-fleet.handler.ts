import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { FleetMigrator, MigrateReport } from '@kryonix/fleet';
import { TenantModulesChangedEvent } from '../events/tenant-lifecycle.events';
import { MigrateFleetCommand } from './migrate-fleet.command';

@CommandHandler(MigrateFleetCommand)
export class MigrateFleetHandler implements ICommandHandler<MigrateFleetCommand, MigrateReport> {
  constructor(
    private readonly migrator: FleetMigrator,
    private readonly events: EventBus,
  ) {}

  async execute({ options }: MigrateFleetCommand): Promise<MigrateReport> {
    const report = await this.migrator.migrate(options);
    // Migrated tables may have new columns: data planes drop their cached routes.
    for (const id of report.migrated) this.events.publish(new TenantModulesChangedEvent(id, []));
    return report;
  }
}
