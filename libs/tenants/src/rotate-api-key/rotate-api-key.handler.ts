import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { TenantLifecycle } from '@kryonix/provisioning';
import { TenantKeyRotatedEvent } from '../events/tenant-lifecycle.events';
import { RotateApiKeyCommand, RotatedApiKey } from './rotate-api-key.command';

@CommandHandler(RotateApiKeyCommand)
export class RotateApiKeyHandler implements ICommandHandler<RotateApiKeyCommand, RotatedApiKey> {
  constructor(
    private readonly lifecycle: TenantLifecycle,
    private readonly events: EventBus,
  ) {}

  async execute({ id, overlapMs }: RotateApiKeyCommand): Promise<RotatedApiKey> {
    const result = await this.lifecycle.rotateApiKey(id, overlapMs);
    this.events.publish(new TenantKeyRotatedEvent(result.id));
    return result;
  }
}
