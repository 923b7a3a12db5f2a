import { Command } from '@nestjs/cqrs';
import type { DeletionResult } from '@kryonix/provisioning';

export class DeleteTenantCommand extends Command<DeletionResult> {
  constructor(
    readonly id: string,
    /** Drop everything now instead of keeping the data for KRYONIX_DELETE_GRACE. */
    readonly purge: boolean,
    /** Only the tenant created at this instant (ISO): set by purge jobs. */
    readonly createdAt?: string,
  ) {
    super();
  }
}
