import { Command } from '@nestjs/cqrs';
import type { MigrateOptions, MigrateReport } from '@kryonix/fleet';

/** Brings the selected tenants' modules to their latest versions (see FleetMigrator). */
export class MigrateFleetCommand extends Command<MigrateReport> {
  constructor(readonly options: MigrateOptions) {
    super();
  }
}
