import { Query } from '@nestjs/cqrs';
import type { AuditRecord } from '@kryonix/registry';

/** The audit trail of one tenant, newest first (at most `limit` rows). */
export class TenantAuditQuery extends Query<AuditRecord[]> {
  constructor(
    readonly id: string,
    readonly limit = 50,
  ) {
    super();
  }
}
