import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { TenantLifecycle } from '@kryonix/provisioning';
import { TenantCredentialsRotatedEvent } from '../events/tenant-lifecycle.events';
import { RotateCredentialsCommand } from './rotate-credentials.command';

@CommandHandler(RotateCredentialsCommand)
export class RotateCredentialsHandler implements ICommandHandler<RotateCredentialsCommand, { id: string; role: string }> {
  constructor(
    private readonly lifecycle: TenantLifecycle,
    private readonly events: EventBus,
  ) {}

  async execute({ id }: RotateCredentialsCommand): Promise<{ id: string; role: string }> {
    const result = await this.lifecycle.rotateCredentials(id);
    this.events.publish(new TenantCredentialsRotatedEvent(result.id));
    return result;
  }
}
