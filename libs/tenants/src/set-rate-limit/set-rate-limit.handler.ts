import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { InvalidInput } from '@kryonix/domain';
import { TenantOperations } from '@kryonix/provisioning';
import { TenantRepository } from '@kryonix/registry';
import { TenantRateLimitChangedEvent } from '../events/tenant-lifecycle.events';
import { SetRateLimitCommand } from './set-rate-limit.command';

/** The tenant's data-plane limit in requests per minute; null = the default (KRYONIX_RATE_LIMIT). */
@CommandHandler(SetRateLimitCommand)
export class SetRateLimitHandler implements ICommandHandler<SetRateLimitCommand, { id: string; rateLimitPerMinute: number | null }> {
  constructor(
    private readonly operations: TenantOperations,
    private readonly events: EventBus,
  ) {}

  async execute({ id, perMinute }: SetRateLimitCommand) {
    if (perMinute !== null && (!Number.isInteger(perMinute) || perMinute < 1 || perMinute > 10_000_000)) {
      throw new InvalidInput('The rate limit must be an integer number of requests per minute (1 to 10,000,000), or null for the default.', { field: 'perMinute' });
    }
    const result = await this.operations.run(id, 'set_rate_limit', ['active', 'suspended'], async (admin, t) => {
      await new TenantRepository(admin).setRateLimit(t.id, perMinute);
      return { id: t.id, rateLimitPerMinute: perMinute };
    });
    this.events.publish(new TenantRateLimitChangedEvent(result.id));
    return result;
  }
}
