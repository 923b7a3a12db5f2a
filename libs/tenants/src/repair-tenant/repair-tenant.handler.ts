import { Inject } from '@nestjs/common';
import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import type { Kysely } from 'kysely';
import { validateTenantId } from '@kryonix/domain';
import { TenantMover } from '@kryonix/fleet';
import { Provisioner, withTenantLock } from '@kryonix/provisioning';
import { MoveRepository, REGISTRY_DB, RegistryDatabase } from '@kryonix/registry';
import { CreatedTenant, publicTenant } from '../disclosure';
import { TenantProvisionedEvent } from '../events/tenant-provisioned.event';
import { moveHooks } from '../move-tenant/move-tenant.handler';
import { RepairTenantCommand } from './repair-tenant.command';

/**
 * Finishes what a crash left: first a move under way whose process died (finished when
 * the registry already points at the target, else rolled back; nothing of it left on
 * either server), then the provisioning plan's idempotent steps on the tenant's server.
 */
@CommandHandler(RepairTenantCommand)
export class RepairTenantHandler implements ICommandHandler<RepairTenantCommand, CreatedTenant> {
  constructor(
    private readonly provisioner: Provisioner,
    private readonly mover: TenantMover,
    private readonly moves: MoveRepository,
    @Inject(REGISTRY_DB) private readonly registry: Kysely<RegistryDatabase>,
    private readonly events: EventBus,
  ) {}

  async execute({ id, onStep }: RepairTenantCommand): Promise<CreatedTenant> {
    const move = await this.moves.findOpen(validateTenantId(id));
    // a live move holds the tenant's lock: then this is TENANT_BUSY, and nothing is touched
    if (move) await withTenantLock(this.registry, move.tenantId, () => this.mover.recover(move, moveHooks(this.events, onStep)));
    const tenant = await this.provisioner.repair(id, { onStep });
    // a restore cut short was undone: there is no tenant to announce
    if (!tenant.rolledBack) this.events.publish(new TenantProvisionedEvent(tenant.id, tenant.mode, tenant.modules));
    return publicTenant(tenant);
  }
}
