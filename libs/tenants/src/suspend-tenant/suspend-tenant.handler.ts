import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { StatusChange, TenantLifecycle } from '@kryonix/provisioning';
import { TenantSuspendedEvent } from '../events/tenant-lifecycle.events';
import { SuspendTenantCommand } from './suspend-tenant.command';

@CommandHandler(SuspendTenantCommand)
export class SuspendTenantHandler implements ICommandHandler<SuspendTenantCommand, StatusChange> {
  constructor(
    private readonly lifecycle: TenantLifecycle,
    private readonly events: EventBus,
  ) {}

  async execute({ id }: SuspendTenantCommand): Promise<StatusChange> {
    const result = await this.lifecycle.suspend(id);
    this.events.publish(new TenantSuspendedEvent(result.id));
    return result;
  }
}
