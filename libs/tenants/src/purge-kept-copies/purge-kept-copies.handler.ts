import { Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { TenantMover } from '@kryonix/fleet';
import { MoveRepository } from '@kryonix/registry';
import { PurgeKeptCopiesCommand } from './purge-kept-copies.command';

/**
 * The source copy of a done move is kept without access for KRYONIX_MOVE_KEEP (a move
 * back, a look at what was there), then dropped here: its database or schemas and its role
 * on the old server. A server that does not answer keeps it until a later pass.
 */
@CommandHandler(PurgeKeptCopiesCommand)
export class PurgeKeptCopiesHandler implements ICommandHandler<PurgeKeptCopiesCommand, string[]> {
  private readonly logger = new Logger('moves');

  constructor(
    private readonly moves: MoveRepository,
    private readonly mover: TenantMover,
  ) {}

  async execute(): Promise<string[]> {
    const purged: string[] = [];
    for (const move of await this.moves.dueKeptCopies()) {
      try {
        await this.mover.purgeKeptCopy(move);
        purged.push(move.id);
      } catch (error) {
        this.logger.warn({ move: move.id, tenant: move.tenantId, server: move.source, err: error }, 'could not purge a moved tenant\'s source copy; trying again on the next pass');
      }
    }
    return purged;
  }
}
