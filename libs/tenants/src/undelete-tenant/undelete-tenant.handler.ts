import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { TenantStateConflict } from '@kryonix/domain';
import { TenantOperations } from '@kryonix/provisioning';
import { TenantRepository } from '@kryonix/registry';
import { TenantResumedEvent } from '../events/tenant-lifecycle.events';
import type { StatusChange } from '../suspend-tenant/suspend-tenant.command';
import { UndeleteTenantCommand } from './undelete-tenant.command';

/**
 * Undoes a delete within KRYONIX_DELETE_GRACE: the registry row gets the status it had
 * before (a suspended tenant stays suspended), and an active one's role LOGIN again. The
 * data, the keys and the role were never touched by the delete. Past the grace period
 * (the purge is due) it is refused.
 */
@CommandHandler(UndeleteTenantCommand)
export class UndeleteTenantHandler implements ICommandHandler<UndeleteTenantCommand, StatusChange> {
  constructor(
    private readonly operations: TenantOperations,
    private readonly events: EventBus,
  ) {}

  async execute({ id }: UndeleteTenantCommand): Promise<StatusChange> {
    const result = await this.operations.run(id, 'undelete', ['deleting'], async (admin, t, server): Promise<StatusChange> => {
      const status = await new TenantRepository(admin).undelete(t.id);
      if (!status) throw new TenantStateConflict(t.id, 'past its grace period (its purge is due)', 'undelete');
      if (status === 'active') await server.storage.setLogin(server.admin, t.roleName, true);
      return { id: t.id, status };
    });
    this.events.publish(new TenantResumedEvent(result.id));
    return result;
  }
}
