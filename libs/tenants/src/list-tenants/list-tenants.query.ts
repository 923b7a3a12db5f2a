import { Query } from '@nestjs/cqrs';
import type { TenantFilter, TenantRecord } from '@kryonix/registry';

export type TenantSummary = Omit<TenantRecord, 'rolePasswordEnc'>;

export class ListTenantsQuery extends Query<TenantSummary[]> {
  constructor(readonly filter: TenantFilter = {}) {
    super();
  }
}
