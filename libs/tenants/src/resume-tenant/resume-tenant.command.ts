import { Command } from '@nestjs/cqrs';
import type { StatusChange } from '@kryonix/provisioning';

export class ResumeTenantCommand extends Command<StatusChange> {
  constructor(readonly id: string) {
    super();
  }
}
