import { Command } from '@nestjs/cqrs';
import type { CreateTenantInput } from '@kryonix/provisioning';
import type { JobView } from '../get-job/get-job.query';

/** Validates a create now and queues the provisioning as a durable job (HTTP `Prefer: respond-async`). */
export class SubmitCreateTenantCommand extends Command<JobView> {
  constructor(readonly input: CreateTenantInput) {
    super();
  }
}
