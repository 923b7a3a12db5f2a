import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand } from '../audit/audit-actions';
import type { MigrateOptions, MigrateReport } from '@kryonix/fleet';

/** Brings the selected tenants' modules to their latest versions (see FleetMigrator). */
export class MigrateFleetCommand extends Command<MigrateReport> implements AuditedCommand {
  constructor(readonly options: MigrateOptions) {
    super();
  }

  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.migrateFleet, details: { dryRun: Boolean(this.options.dryRun), ...(this.options.modules?.length ? { modules: this.options.modules } : {}) } };
  }
}
