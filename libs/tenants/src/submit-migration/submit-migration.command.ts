import { Command } from '@nestjs/cqrs';
import type { JobView } from '../get-job/get-job.query';

export interface MigrationRequest {
  tenants?: string[];
  modules?: string[];
  concurrency?: number;
  canary?: number;
  continueOnError?: boolean;
}

/** Queues a fleet migration as a durable job (POST /v1/migrations); progress at /v1/jobs/:id. */
export class SubmitMigrationCommand extends Command<JobView> {
  constructor(readonly request: MigrationRequest) {
    super();
  }
}
