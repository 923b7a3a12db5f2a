import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { TenantLifecycle } from '@kryonix/provisioning';
import { TenantDeletedEvent } from '../events/tenant-lifecycle.events';
import { PurgeExpiredTenantsCommand } from './purge-expired.command';

@CommandHandler(PurgeExpiredTenantsCommand)
export class PurgeExpiredTenantsHandler implements ICommandHandler<PurgeExpiredTenantsCommand, string[]> {
  constructor(
    private readonly lifecycle: TenantLifecycle,
    private readonly events: EventBus,
  ) {}

  async execute(): Promise<string[]> {
    const purged = await this.lifecycle.purgeExpired();
    for (const id of purged) this.events.publish(new TenantDeletedEvent(id, true));
    return purged;
  }
}
