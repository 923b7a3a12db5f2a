import { IQueryHandler, QueryBus, QueryHandler } from '@nestjs/cqrs';
import { planRebalance } from '@kryonix/fleet';
import { MoveRepository, ServerRecordRepository, TenantRepository } from '@kryonix/registry';
import { CollectUsageQuery } from '../collect-usage/collect-usage.query';
import { PlanRebalanceQuery, RebalancePlan } from './plan-rebalance.query';

@QueryHandler(PlanRebalanceQuery)
export class PlanRebalanceHandler implements IQueryHandler<PlanRebalanceQuery, RebalancePlan> {
  constructor(
    private readonly records: ServerRecordRepository,
    private readonly tenants: TenantRepository,
    private readonly moves: MoveRepository,
    private readonly queries: QueryBus,
  ) {}

  /**
   * Live tenants (active, suspended) of the active servers, with their storage now; other servers neither give nor
   * take. Only active tenants with no move under way are planned to move (a move refuses the others); the rest weigh.
   */
  async execute(): Promise<RebalancePlan> {
    const active = (await this.records.list()).filter((s) => s.state === 'active');
    const usage = new Map((await this.queries.execute(new CollectUsageQuery())).tenants.map((t) => [t.tenant, t.storageBytes]));
    const live = (await this.tenants.list()).filter((t) => t.status === 'active' || t.status === 'suspended');
    const moving = new Set((await this.moves.openFor(live.map((t) => t.id))).map((m) => m.tenantId));
    const servers = active.map((s) => ({
      name: s.name,
      maxTenants: s.maxTenants,
      tenants: live.filter((t) => t.serverName === s.name).map((t) => ({ id: t.id, storageBytes: usage.get(t.id) ?? 0, movable: t.status === 'active' && !moving.has(t.id) })),
    }));
    return {
      servers: servers.map((s) => ({ name: s.name, maxTenants: s.maxTenants, tenants: s.tenants.length, storageBytes: s.tenants.reduce((n, t) => n + t.storageBytes, 0) })),
      moves: planRebalance(servers),
    };
  }
}
