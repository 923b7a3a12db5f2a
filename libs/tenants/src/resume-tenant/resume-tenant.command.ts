import { Command } from '@nestjs/cqrs';
import type { StatusChange } from '../suspend-tenant/suspend-tenant.command';

/** A suspended tenant's role gets LOGIN back. */
export class ResumeTenantCommand extends Command<StatusChange> {
  constructor(readonly id: string) {
    super();
  }
}
