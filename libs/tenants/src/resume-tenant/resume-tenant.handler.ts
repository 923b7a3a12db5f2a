import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { TenantOperations } from '@kryonix/provisioning';
import { TenantRepository } from '@kryonix/registry';
import { TenantResumedEvent } from '../events/tenant-lifecycle.events';
import type { StatusChange } from '../suspend-tenant/suspend-tenant.command';
import { ResumeTenantCommand } from './resume-tenant.command';

@CommandHandler(ResumeTenantCommand)
export class ResumeTenantHandler implements ICommandHandler<ResumeTenantCommand, StatusChange> {
  constructor(
    private readonly operations: TenantOperations,
    private readonly events: EventBus,
  ) {}

  async execute({ id }: ResumeTenantCommand): Promise<StatusChange> {
    const result = await this.operations.run(id, 'resume', ['active', 'suspended'], async (admin, t, server): Promise<StatusChange> => {
      await server.storage.setLogin(server.admin, t.roleName, true);
      if (t.status !== 'active') await new TenantRepository(admin).setStatus(t.id, 'active');
      return { id: t.id, status: 'active' };
    });
    this.events.publish(new TenantResumedEvent(result.id));
    return result;
  }
}
