import { Command } from '@nestjs/cqrs';

export interface DeletionResult {
  id: string;
  status: 'deleting' | 'purged';
  purgeAfter?: Date;
}

/**
 * Soft delete: the tenant is refused at once (role NOLOGIN, status 'deleting') and its
 * data is kept for the grace period, then a purge job drops it. With `purge`, everything goes now.
 */
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
