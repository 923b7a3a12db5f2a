import { Command } from '@nestjs/cqrs';
import type { TenantStatus } from '@kryonix/domain';

export interface StatusChange {
  id: string;
  status: TenantStatus;
}

/** The tenant is refused at once: its role loses LOGIN and its open sessions end; data and keys stay. */
export class SuspendTenantCommand extends Command<StatusChange> {
  constructor(readonly id: string) {
    super();
  }
}
