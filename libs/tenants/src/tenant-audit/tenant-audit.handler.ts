import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { validateTenantId } from '@kryonix/domain';
import { AuditRecord, AuditRepository } from '@kryonix/registry';
import { TenantAuditQuery } from './tenant-audit.query';

@QueryHandler(TenantAuditQuery)
export class TenantAuditHandler implements IQueryHandler<TenantAuditQuery, AuditRecord[]> {
  constructor(private readonly audit: AuditRepository) {}

  execute({ id, limit }: TenantAuditQuery): Promise<AuditRecord[]> {
    // Like the provisioning log, the trail outlives the tenant: an unknown id is an empty trail.
    return this.audit.listFor(validateTenantId(id), limit);
  }
}
