import { Query } from '@nestjs/cqrs';
import type { ApiKeyRecord, AppliedMigrationRecord } from '@kryonix/registry';
import type { TenantSummary } from '../list-tenants/list-tenants.query';

export interface TenantDetails extends TenantSummary {
  schemas: string[];
  url: string;
  migrations: AppliedMigrationRecord[];
  apiKeys: ApiKeyRecord[];
  /** Bytes the tenant uses now (its database, or its schemas) and its quota (KRYONIX_TENANT_STORAGE_QUOTA). */
  storage: { usedBytes: number; quotaBytes: number };
}

export class ShowTenantQuery extends Query<TenantDetails> {
  constructor(readonly id: string) {
    super();
  }
}
