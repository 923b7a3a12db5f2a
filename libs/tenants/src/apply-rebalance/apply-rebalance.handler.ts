import { CommandBus, CommandHandler, ICommandHandler, QueryBus } from '@nestjs/cqrs';
import type { PlannedMove } from '@kryonix/fleet';
import { MoveRepository } from '@kryonix/registry';
import { MoveLimiter, MoveLimits } from '../drain-server/move-limiter';
import { moveConcurrency, moveMany } from '../drain-server/move-many';
import { MoveTenantCommand } from '../move-tenant/move-tenant.command';
import { PlanRebalanceQuery } from '../plan-rebalance/plan-rebalance.query';
import { ApplyRebalanceCommand, RebalanceResult } from './apply-rebalance.command';

/**
 * `kryonix rebalance --yes`: the plan is made now (PlanRebalanceQuery) and each of its moves
 * run, `concurrency` at a time and within the servers' replication limits like a drain's
 * (MoveLimiter: a move waits while its source or target carries as many as it can); a move that fails is reported and the others go on (a run
 * after it plans again from where the servers are then). Run by a durable job (`jobId`), its
 * moves carry the job's id; the job's retry after a crash first finishes or rolls back (and
 * then makes again) the moves its dead worker left, then plans again from where the servers are.
 */
@CommandHandler(ApplyRebalanceCommand)
export class ApplyRebalanceHandler implements ICommandHandler<ApplyRebalanceCommand, RebalanceResult> {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly registered: MoveRepository,
    private readonly limits: MoveLimits,
  ) {}

  async execute({ concurrency, onMove, jobId }: ApplyRebalanceCommand): Promise<RebalanceResult> {
    const workers = moveConcurrency(concurrency);
    const result: RebalanceResult = { moved: [], failed: [] };
    if (jobId) {
      const left = (await this.registered.openForJob(jobId)).map((m): PlannedMove => ({ tenant: m.tenantId, from: m.source, to: m.target, why: 'tenants' }));
      if (left.length) await this.run(left, workers, await this.limiter(left), result, jobId, onMove);
    }
    const { moves } = await this.queries.execute(new PlanRebalanceQuery());
    await this.run(moves, workers, await this.limiter(moves), result, jobId, onMove);
    return result;
  }

  /** The same limits as a drain's: moves at once out of each source and into each target. */
  private limiter(moves: readonly PlannedMove[]): Promise<MoveLimiter> {
    return this.limits.read(moves.flatMap((m) => [m.from, m.to]));
  }

  private async run(moves: readonly PlannedMove[], workers: number, limiter: MoveLimiter, result: RebalanceResult, jobId: string | undefined, onMove: ApplyRebalanceCommand['onMove']): Promise<void> {
    const done = () => result.moved.length + result.failed.length;
    const total = done() + moves.length;
    const started = new Map<string, number>();
    const took = (tenant: string) => Math.round(performance.now() - (started.get(tenant) ?? performance.now()));
    await moveMany(
      moves,
      workers,
      async (move) => {
        started.set(move.tenant, performance.now());
        await this.commands.execute(new MoveTenantCommand({ id: move.tenant, to: move.to }, undefined, jobId));
        result.moved.push({ ...move, durationMs: took(move.tenant) });
        onMove?.({ move, outcome: 'moved', durationMs: took(move.tenant), done: done(), total });
      },
      (move, error) => {
        result.failed.push({ ...move, error });
        onMove?.({ move, outcome: 'failed', error, durationMs: took(move.tenant), done: done(), total });
      },
      { limiter, servers: (move) => move },
    );
  }
}
