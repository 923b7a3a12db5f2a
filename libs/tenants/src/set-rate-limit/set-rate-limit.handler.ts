import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { TenantLifecycle } from '@kryonix/provisioning';
import { TenantRateLimitChangedEvent } from '../events/tenant-lifecycle.events';
import { SetRateLimitCommand } from './set-rate-limit.command';

@CommandHandler(SetRateLimitCommand)
export class SetRateLimitHandler implements ICommandHandler<SetRateLimitCommand, { id: string; rateLimitPerMinute: number | null }> {
  constructor(
    private readonly lifecycle: TenantLifecycle,
    private readonly events: EventBus,
  ) {}

  async execute({ id, perMinute }: SetRateLimitCommand) {
    const result = await this.lifecycle.setRateLimit(id, perMinute);
    this.events.publish(new TenantRateLimitChangedEvent(result.id));
    return result;
  }
}
