import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import type { KryonixConfig } from '@kryonix/platform';
import { TenantMetricsRepository, TenantServers, usageRef } from '@kryonix/provisioning';
import { TenantRepository } from '@kryonix/registry';
import { KRYONIX_CONFIG } from '@kryonix/platform';
import { CollectUsageQuery, TenantUsageReport } from './collect-usage.query';

@QueryHandler(CollectUsageQuery)
export class CollectUsageHandler implements IQueryHandler<CollectUsageQuery, TenantUsageReport> {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly metrics: TenantMetricsRepository,
    private readonly servers: TenantServers,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {}

  async execute(): Promise<TenantUsageReport> {
    const all = await this.tenants.list();
    const countsByStatus: Record<string, number> = { provisioning: 0, active: 0, suspended: 0, deleting: 0 };
    for (const t of all) countsByStatus[t.status] = (countsByStatus[t.status] ?? 0) + 1;
    const live = all.filter((t) => t.status === 'active' || t.status === 'suspended');
    // per server; a server that does not answer leaves out only its own tenants
    const byServer = new Map<string, typeof live>();
    for (const t of live) byServer.set(t.serverName, [...(byServer.get(t.serverName) ?? []), t]);
    const usage = (
      await Promise.all(
        [...byServer].map(async ([name, tenants]) =>
          this.metrics
            .usage(await this.servers.get(name), tenants.map(usageRef))
            .catch((error: unknown) => {
              if (byServer.size === 1) throw error; // one server: its fault is the report's
              return [];
            }),
        ),
      )
    ).flat();
    const statusOf = new Map(live.map((t) => [t.id, t.status]));
    return { tenants: usage.map((u) => ({ ...u, quotaBytes: this.config.storageQuotaBytes, status: statusOf.get(u.tenant) ?? 'active' })), countsByStatus };
  }
}
