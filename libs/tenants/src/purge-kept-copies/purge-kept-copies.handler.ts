import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import type { Kysely } from 'kysely';
import { TenantBusy } from '@kryonix/domain';
import { TenantMover } from '@kryonix/fleet';
import { withTenantLock } from '@kryonix/provisioning';
import { MoveRepository, REGISTRY_DB, RegistryDatabase } from '@kryonix/registry';
import { PurgeKeptCopiesCommand } from './purge-kept-copies.command';

/**
 * The source copy of a done move is kept without access for KRYONIX_MOVE_KEEP (a move
 * back, a look at what was there), then dropped here: its database or schemas and its role
 * on the old server. Under the tenant's lock, the move row read again: a move back (which
 * drops that copy itself and makes the tenant's storage there anew) is never raced. A busy
 * tenant or a server that does not answer keeps it until a later pass.
 */
@CommandHandler(PurgeKeptCopiesCommand)
export class PurgeKeptCopiesHandler implements ICommandHandler<PurgeKeptCopiesCommand, string[]> {
  private readonly logger = new Logger('moves');

  constructor(
    private readonly moves: MoveRepository,
    private readonly mover: TenantMover,
    @Inject(REGISTRY_DB) private readonly registry: Kysely<RegistryDatabase>,
  ) {}

  async execute(): Promise<string[]> {
    const purged: string[] = [];
    for (const due of await this.moves.dueKeptCopies()) {
      try {
        await withTenantLock(this.registry, due.tenantId, async () => {
          const move = await this.moves.find(due.id);
          if (!move || move.sourcePurgedAt) return;
          await this.mover.purgeKeptCopy(move);
          purged.push(move.id);
        });
      } catch (error) {
        if (error instanceof TenantBusy) continue;
        this.logger.warn({ move: due.id, tenant: due.tenantId, server: due.source, err: error }, 'could not purge a moved tenant\'s source copy; trying again on the next pass');
      }
    }
    return purged;
  }
}
