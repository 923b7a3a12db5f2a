import { CommandBus, CommandHandler, ICommandHandler, QueryBus } from '@nestjs/cqrs';
import { moveConcurrency, moveMany } from '../drain-server/move-many';
import { MoveTenantCommand } from '../move-tenant/move-tenant.command';
import { PlanRebalanceQuery } from '../plan-rebalance/plan-rebalance.query';
import { ApplyRebalanceCommand, RebalanceResult } from './apply-rebalance.command';

/**
 * `kryonix rebalance --yes`: the plan is made now (PlanRebalanceQuery) and each of its moves
 * run, `concurrency` at a time; a move that fails is reported and the others go on (a run
 * after it plans again from where the servers are then).
 */
@CommandHandler(ApplyRebalanceCommand)
export class ApplyRebalanceHandler implements ICommandHandler<ApplyRebalanceCommand, RebalanceResult> {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  async execute({ concurrency, onMove }: ApplyRebalanceCommand): Promise<RebalanceResult> {
    const workers = moveConcurrency(concurrency);
    const { moves } = await this.queries.execute(new PlanRebalanceQuery());
    const result: RebalanceResult = { moved: [], failed: [] };
    const done = () => result.moved.length + result.failed.length;
    const started = new Map<string, number>();
    const took = (tenant: string) => Math.round(performance.now() - (started.get(tenant) ?? performance.now()));
    await moveMany(
      moves,
      workers,
      async (move) => {
        started.set(move.tenant, performance.now());
        await this.commands.execute(new MoveTenantCommand({ id: move.tenant, to: move.to }));
        result.moved.push({ ...move, durationMs: took(move.tenant) });
        onMove?.({ move, outcome: 'moved', durationMs: took(move.tenant), done: done(), total: moves.length });
      },
      (move, error) => {
        result.failed.push({ ...move, error });
        onMove?.({ move, outcome: 'failed', error, durationMs: took(move.tenant), done: done(), total: moves.length });
      },
    );
    return result;
  }
}
