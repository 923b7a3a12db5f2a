import { Command } from '@nestjs/cqrs';
import type { CreateTenantInput, ProvisionedTenant, StepEvent } from '@kryonix/provisioning';

export class CreateTenantCommand extends Command<ProvisionedTenant> {
  constructor(
    readonly input: CreateTenantInput,
    /** Progress of each step, for callers that show it while it runs. */
    readonly onStep?: (event: StepEvent) => void,
    /** Set when a durable job runs the create. */
    readonly jobId?: string,
  ) {
    super();
  }
}
