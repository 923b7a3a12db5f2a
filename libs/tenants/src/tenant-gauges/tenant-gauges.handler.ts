import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { TenantNotFound, Unavailable, validateTenantId } from '@kryonix/domain';
import { KRYONIX_CONFIG, type KryonixConfig, within } from '@kryonix/platform';
import { TenantMetricsRepository, TenantServers, usageRef } from '@kryonix/provisioning';
import { TenantRepository } from '@kryonix/registry';
import { TenantGauges, TenantGaugesQuery } from './tenant-gauges.query';

/** A gauge that waits longer than this is of no use to a page that refreshes it every few seconds. */
const GAUGES_WITHIN_MS = 3_000;

@QueryHandler(TenantGaugesQuery)
export class TenantGaugesHandler implements IQueryHandler<TenantGaugesQuery, TenantGauges> {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly metrics: TenantMetricsRepository,
    private readonly servers: TenantServers,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {}

  async execute({ id }: TenantGaugesQuery): Promise<TenantGauges> {
    const t = await this.tenants.findById(validateTenantId(id));
    if (!t) throw new TenantNotFound(id);
    const [usage] = await within(
      this.servers.get(t.serverName).then((server) => this.metrics.usage(server, [usageRef(t)])),
      GAUGES_WITHIN_MS,
      () => new Unavailable(`Server ${t.serverName} did not answer within ${GAUGES_WITHIN_MS / 1000} s.`),
    );
    return { id: t.id, connections: usage?.connections ?? 0, storageBytes: usage?.storageBytes ?? 0, quotaBytes: this.config.storageQuotaBytes, longestQuerySeconds: usage?.longestQuerySeconds ?? 0 };
  }
}
