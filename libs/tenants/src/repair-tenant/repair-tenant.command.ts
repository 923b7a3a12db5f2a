import { Command } from '@nestjs/cqrs';
import type { ProvisionedTenant, StepEvent } from '@kryonix/provisioning';

export class RepairTenantCommand extends Command<ProvisionedTenant> {
  constructor(
    readonly id: string,
    readonly onStep?: (event: StepEvent) => void,
  ) {
    super();
  }
}
