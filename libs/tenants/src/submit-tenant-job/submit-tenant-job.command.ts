import { Command } from '@nestjs/cqrs';
import type { JobView } from '../get-job/get-job.query';

export type TenantJobRequest = { kind: 'change_modules'; id: string; modules: unknown; purge: boolean } | { kind: 'purge_tenant'; id: string };

/** Checks a module change or a purge now and queues it as a durable job (HTTP `Prefer: respond-async`). */
export class SubmitTenantJobCommand extends Command<JobView> {
  constructor(readonly request: TenantJobRequest) {
    super();
  }
}
