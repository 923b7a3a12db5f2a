import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { KRYONIX_CONFIG, type KryonixConfig, within } from '@kryonix/platform';
import { TenantMetricsRepository, TenantServers, type TenantUsage, usageRef } from '@kryonix/provisioning';
import { TenantRepository } from '@kryonix/registry';
import { BrowseTenantsQuery, TenantPage } from './browse-tenants.query';

/** A server slower than this leaves its tenants' usage blank on the page rather than holding the page. */
const USAGE_WITHIN_MS = 2_000;

@QueryHandler(BrowseTenantsQuery)
export class BrowseTenantsHandler implements IQueryHandler<BrowseTenantsQuery, TenantPage> {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly metrics: TenantMetricsRepository,
    private readonly servers: TenantServers,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {}

  async execute({ filter }: BrowseTenantsQuery): Promise<TenantPage> {
    const found = await this.tenants.list({ ...filter, limit: filter.limit + 1 });
    const page = found.slice(0, filter.limit).map(({ rolePasswordEnc: _secret, ...rest }) => rest);
    const byServer = new Map<string, typeof page>();
    for (const t of page) if (t.status !== 'provisioning') byServer.set(t.serverName, [...(byServer.get(t.serverName) ?? []), t]);
    const usage = new Map<string, TenantUsage>();
    await Promise.all(
      [...byServer].map(async ([name, tenants]) => {
        try {
          const rows = await within(this.servers.get(name).then((server) => this.metrics.usage(server, tenants.map(usageRef))), USAGE_WITHIN_MS, () => new Error(`server ${name} did not answer`));
          for (const row of rows) usage.set(row.tenant, row);
        } catch {
          // A server that is away blanks its own tenants' gauges only.
        }
      }),
    );
    return {
      items: page.map((t) => ({ ...t, storageBytes: usage.get(t.id)?.storageBytes ?? null, connections: usage.get(t.id)?.connections ?? null, quotaBytes: this.config.storageQuotaBytes })),
      next: found.length > filter.limit ? (page[page.length - 1]?.id ?? null) : null,
    };
  }
}
