import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { validateTenantId } from '@kryonix/domain';
import { ProvisioningLogRecord, ProvisioningLogRepository } from '@kryonix/registry';
import { TenantLogQuery } from './tenant-log.query';

@QueryHandler(TenantLogQuery)
export class TenantLogHandler implements IQueryHandler<TenantLogQuery, ProvisioningLogRecord[]> {
  constructor(private readonly log: ProvisioningLogRepository) {}

  execute({ id }: TenantLogQuery): Promise<ProvisioningLogRecord[]> {
    // The log outlives a failed or rolled-back tenant, so an unknown id is not an error here.
    return this.log.listFor(validateTenantId(id));
  }
}
