import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { TenantOperations } from '@kryonix/provisioning';
import { TenantRepository } from '@kryonix/registry';
import { TenantSuspendedEvent } from '../events/tenant-lifecycle.events';
import { StatusChange, SuspendTenantCommand } from './suspend-tenant.command';

@CommandHandler(SuspendTenantCommand)
export class SuspendTenantHandler implements ICommandHandler<SuspendTenantCommand, StatusChange> {
  constructor(
    private readonly operations: TenantOperations,
    private readonly events: EventBus,
  ) {}

  async execute({ id }: SuspendTenantCommand): Promise<StatusChange> {
    const result = await this.operations.run(id, 'suspend', ['active', 'suspended'], async (admin, t, server): Promise<StatusChange> => {
      await server.storage.setLogin(server.admin, t.roleName, false);
      if (t.status !== 'suspended') await new TenantRepository(admin).setStatus(t.id, 'suspended');
      return { id: t.id, status: 'suspended' };
    });
    this.events.publish(new TenantSuspendedEvent(result.id));
    return result;
  }
}
