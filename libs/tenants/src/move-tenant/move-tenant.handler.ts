import { randomUUID } from 'node:crypto';
import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import type { Kysely } from 'kysely';
import { Inject } from '@nestjs/common';
import { TenantMoving, TenantStateConflict, tenantDatabaseName, validateTenantId } from '@kryonix/domain';
import { MoveHooks, MoveResult, TenantMover } from '@kryonix/fleet';
import type { StepEvent } from '@kryonix/provisioning';
import { withTenantLock } from '@kryonix/provisioning';
import { MoveRecord, MoveRepository, REGISTRY_DB, RegistryDatabase, TenantRepository } from '@kryonix/registry';
import { TenantMoveAbandonedEvent, TenantMovedEvent, TenantMovingEvent } from '../events/tenant-lifecycle.events';
import { MoveRefusals } from './move-refusals';
import { MoveTenantCommand } from './move-tenant.command';

/**
 * `kryonix tenant move <id> --to <server>`: refused with a clear error and nothing made
 * unless every check passes (MoveRefusals); then, under the tenant's lock for the whole
 * move, a move row in the registry and the mover's phases, the cut-over announced to the
 * data planes (TenantMoving, then TenantMoved or TenantMoveAbandoned). A durable job's
 * retry first finishes or rolls back what its dead worker left.
 */
@CommandHandler(MoveTenantCommand)
export class MoveTenantHandler implements ICommandHandler<MoveTenantCommand, MoveResult> {
  constructor(
    private readonly refusals: MoveRefusals,
    private readonly mover: TenantMover,
    private readonly moves: MoveRepository,
    private readonly events: EventBus,
    @Inject(REGISTRY_DB) private readonly registry: Kysely<RegistryDatabase>,
  ) {}

  async execute({ request, onPhase, jobId, onProgress }: MoveTenantCommand): Promise<MoveResult> {
    if (jobId) {
      const left = await this.moves.findOpen(validateTenantId(request.id));
      if (left?.jobId === jobId) {
        const recovered = await withTenantLock(this.registry, left.tenantId, () => this.mover.recover(left, moveHooks(this.events, onPhase, onProgress)));
        if (recovered.outcome === 'moved') return recovered;
      }
    }
    const checked = await this.refusals.check(request);
    const { tenant } = checked;
    return withTenantLock(this.registry, tenant.id, async () => {
      // what was checked may have changed before the lock was ours
      const now = await new TenantRepository(this.registry).findById(tenant.id);
      if (!now || now.status !== 'active' || now.serverName !== checked.source.name) throw new TenantStateConflict(tenant.id, now?.status ?? 'gone', 'move it (it changed meanwhile; try again)');
      return this.mover.run(await this.record(checked, jobId), moveHooks(this.events, onPhase, onProgress));
    });
  }

  private async record(checked: Awaited<ReturnType<MoveRefusals['check']>>, jobId: string | undefined): Promise<MoveRecord> {
    const { tenant } = checked;
    const id = randomUUID();
    const fresh = await this.moves.insert({
      id,
      tenantId: tenant.id,
      source: checked.source.name,
      target: checked.target.name,
      mode: tenant.mode,
      databaseName: tenantDatabaseName(tenant.id, tenant.mode),
      roleName: tenant.roleName,
      schemas: checked.schemas,
      maxAttempts: checked.attempts,
      jobId: jobId ?? null,
    });
    if (!fresh) throw new TenantMoving(tenant.id, (await this.moves.findOpen(tenant.id)) ?? { id: 'unknown', target: checked.target.name }, 'start another move');
    return (await this.moves.find(id))!;
  }
}

/** A move's cut-over as tenant events (NOTIFY on the control database, plus Redis when set), and its phases to `onPhase`. */
export function moveHooks(events: EventBus, onPhase?: (event: StepEvent) => void, onProgress?: MoveHooks['onProgress']): MoveHooks {
  return {
    onPhase,
    onProgress,
    hold: (tenantId, to) => events.publish(new TenantMovingEvent(tenantId, to)),
    release: (tenantId, switched) => events.publish(switched ? new TenantMovedEvent(tenantId) : new TenantMoveAbandonedEvent(tenantId)),
  };
}
