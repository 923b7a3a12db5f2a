import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { DeletionResult, TenantLifecycle } from '@kryonix/provisioning';
import { TenantDeletedEvent } from '../events/tenant-lifecycle.events';
import { DeleteTenantCommand } from './delete-tenant.command';

@CommandHandler(DeleteTenantCommand)
export class DeleteTenantHandler implements ICommandHandler<DeleteTenantCommand, DeletionResult> {
  constructor(
    private readonly lifecycle: TenantLifecycle,
    private readonly events: EventBus,
  ) {}

  async execute({ id, purge, createdAt }: DeleteTenantCommand): Promise<DeletionResult> {
    const result = await this.lifecycle.delete(id, { purge, createdAt });
    this.events.publish(new TenantDeletedEvent(result.id, result.status === 'purged'));
    return result;
  }
}
