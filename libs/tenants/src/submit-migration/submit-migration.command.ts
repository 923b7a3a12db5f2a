import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand } from '../audit/audit-actions';
import type { JobView } from '../get-job/get-job.query';

export interface MigrationRequest {
  tenants?: string[];
  modules?: string[];
  concurrency?: number;
  concurrencyPerServer?: number;
  canary?: number;
  continueOnError?: boolean;
}

/** Queues a fleet migration as a durable job (POST /v1/migrations); progress at /v1/jobs/:id. */
export class SubmitMigrationCommand extends Command<JobView> implements AuditedCommand {
  constructor(readonly request: MigrationRequest) {
    super();
  }

  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.migrateFleet, details: { async: true } };
  }
}
