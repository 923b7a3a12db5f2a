import { Command } from '@nestjs/cqrs';
import type { StatusChange } from '@kryonix/provisioning';

export class SuspendTenantCommand extends Command<StatusChange> {
  constructor(readonly id: string) {
    super();
  }
}
