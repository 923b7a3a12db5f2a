import { Query } from '@nestjs/cqrs';
import type { ApiKeyRecord, AppliedMigrationRecord } from '@kryonix/registry';
import type { TenantSummary } from '../list-tenants/list-tenants.query';

export interface TenantDetails extends TenantSummary {
  schemas: string[];
  url: string;
  migrations: AppliedMigrationRecord[];
  apiKeys: ApiKeyRecord[];
}

export class ShowTenantQuery extends Query<TenantDetails> {
  constructor(readonly id: string) {
    super();
  }
}
