import { Query } from '@nestjs/cqrs';
import type { ProvisioningLogRecord } from '@kryonix/registry';

export class TenantLogQuery extends Query<ProvisioningLogRecord[]> {
  constructor(readonly id: string) {
    super();
  }
}
