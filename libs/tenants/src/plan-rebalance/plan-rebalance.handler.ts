import { IQueryHandler, QueryBus, QueryHandler } from '@nestjs/cqrs';
import { planRebalance } from '@kryonix/fleet';
import { ServerRecordRepository, TenantRepository } from '@kryonix/registry';
import { CollectUsageQuery } from '../collect-usage/collect-usage.query';
import { PlanRebalanceQuery, RebalancePlan } from './plan-rebalance.query';

@QueryHandler(PlanRebalanceQuery)
export class PlanRebalanceHandler implements IQueryHandler<PlanRebalanceQuery, RebalancePlan> {
  constructor(
    private readonly records: ServerRecordRepository,
    private readonly tenants: TenantRepository,
    private readonly queries: QueryBus,
  ) {}

  /** Live tenants (active, suspended) of the active servers, with their storage now; other servers neither give nor take. */
  async execute(): Promise<RebalancePlan> {
    const active = (await this.records.list()).filter((s) => s.state === 'active');
    const usage = new Map((await this.queries.execute(new CollectUsageQuery())).tenants.map((t) => [t.tenant, t.storageBytes]));
    const live = (await this.tenants.list()).filter((t) => t.status === 'active' || t.status === 'suspended');
    const servers = active.map((s) => ({
      name: s.name,
      maxTenants: s.maxTenants,
      tenants: live.filter((t) => t.serverName === s.name).map((t) => ({ id: t.id, storageBytes: usage.get(t.id) ?? 0 })),
    }));
    return {
      servers: servers.map((s) => ({ name: s.name, maxTenants: s.maxTenants, tenants: s.tenants.length, storageBytes: s.tenants.reduce((n, t) => n + t.storageBytes, 0) })),
      moves: planRebalance(servers),
    };
  }
}
