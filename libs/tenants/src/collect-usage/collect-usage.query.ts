import { Query } from '@nestjs/cqrs';
import type { TenantUsage } from '@kryonix/provisioning';

export interface TenantUsageReport {
  tenants: Array<TenantUsage & { quotaBytes: number; status: string }>;
  countsByStatus: Record<string, number>;
}

/** Per-tenant usage (storage against quota, connections, longest query) for the metrics the alert rules use. */
export class CollectUsageQuery extends Query<TenantUsageReport> {}
