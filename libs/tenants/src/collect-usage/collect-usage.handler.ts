import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import type { Kysely } from 'kysely';
import { tenantSchemaName } from '@kryonix/domain';
import type { KryonixConfig } from '@kryonix/platform';
import { TenantMetricsRepository } from '@kryonix/provisioning';
import { RegistryDatabase, TenantRepository } from '@kryonix/registry';
import { KRYONIX_CONFIG } from '@kryonix/platform';
import { REGISTRY_DB } from '@kryonix/registry';
import { CollectUsageQuery, TenantUsageReport } from './collect-usage.query';

@QueryHandler(CollectUsageQuery)
export class CollectUsageHandler implements IQueryHandler<CollectUsageQuery, TenantUsageReport> {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly metrics: TenantMetricsRepository,
    @Inject(REGISTRY_DB) private readonly registry: Kysely<RegistryDatabase>,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {}

  async execute(): Promise<TenantUsageReport> {
    const all = await this.tenants.list();
    const countsByStatus: Record<string, number> = { provisioning: 0, active: 0, suspended: 0, deleting: 0 };
    for (const t of all) countsByStatus[t.status] = (countsByStatus[t.status] ?? 0) + 1;
    const live = all.filter((t) => t.status === 'active' || t.status === 'suspended');
    const usage = await this.metrics.usage(
      this.registry,
      live.map((t) => ({ id: t.id, mode: t.mode, databaseName: t.databaseName, roleName: t.roleName, schemas: t.modules.map((m) => tenantSchemaName(t.id, t.mode, m)) })),
    );
    const statusOf = new Map(live.map((t) => [t.id, t.status]));
    return { tenants: usage.map((u) => ({ ...u, quotaBytes: this.config.storageQuotaBytes, status: statusOf.get(u.tenant) ?? 'active' })), countsByStatus };
  }
}
