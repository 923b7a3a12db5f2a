import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import type { Kysely } from 'kysely';
import { TenantBusy } from '@kryonix/domain';
import { TenantMover } from '@kryonix/fleet';
import { withTenantLock } from '@kryonix/provisioning';
import { JobRepository, MoveRecord, MoveRepository, REGISTRY_DB, RegistryDatabase } from '@kryonix/registry';
import { moveHooks } from '../move-tenant/move-tenant.handler';
import { FinishLeftMovesCommand, FinishedLeftMove } from './finish-left-moves.command';

/**
 * A move whose process had to leave its roll-back or its clean-up unfinished (a server did
 * not answer: the move stays `rolling_back`, or `clean_up` after its switch) is finished here
 * at each pass of the control plane's worker, once that server answers: what `kryonix tenant
 * repair` does, so nothing a move made (a slot keeps WAL for ever) waits for an operator.
 * Only moves whose outcome is decided, of no durable job or of one that will not run again (a
 * job's retry finishes its own moves first), and under the tenant's lock (a live process holds
 * it: skipped); a server still away keeps the move for a later pass.
 */
@CommandHandler(FinishLeftMovesCommand)
export class FinishLeftMovesHandler implements ICommandHandler<FinishLeftMovesCommand, FinishedLeftMove[]> {
  private readonly logger = new Logger('moves');

  constructor(
    private readonly moves: MoveRepository,
    private readonly mover: TenantMover,
    private readonly jobs: JobRepository,
    private readonly events: EventBus,
    @Inject(REGISTRY_DB) private readonly registry: Kysely<RegistryDatabase>,
  ) {}

  async execute(): Promise<FinishedLeftMove[]> {
    const finished: FinishedLeftMove[] = [];
    for (const left of await this.moves.open()) {
      if (!(await this.left(left))) continue;
      try {
        await withTenantLock(this.registry, left.tenantId, async () => {
          // read again under the lock: a repair may have ended it meanwhile
          const move = await this.moves.find(left.id);
          if (!move || !(await this.left(move))) return;
          const result = await this.mover.recover(move, moveHooks(this.events));
          finished.push({ move: move.id, tenant: move.tenantId, outcome: result.outcome });
        });
      } catch (error) {
        if (error instanceof TenantBusy) continue;
        this.logger.warn({ move: left.id, tenant: left.tenantId, err: error }, 'could not finish what a move left; trying again on the next pass');
      }
    }
    return finished;
  }

  /** A roll-back, or a clean-up after the switch, that no durable job will take up (its job has ended: a failed move is not retried). */
  private async left(move: MoveRecord): Promise<boolean> {
    if (move.phase !== 'rolling_back' && !(move.phase === 'clean_up' && move.switchedAt !== null)) return false;
    if (move.jobId === null) return true;
    const job = await this.jobs.find(move.jobId);
    return !job || job.status === 'succeeded' || job.status === 'failed';
  }
}
