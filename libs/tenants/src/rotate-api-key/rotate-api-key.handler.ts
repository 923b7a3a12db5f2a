import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { InvalidInput } from '@kryonix/domain';
import { generateApiKey } from '@kryonix/platform';
import { TenantOperations } from '@kryonix/provisioning';
import { ApiKeyRepository } from '@kryonix/registry';
import { TenantKeyRotatedEvent } from '../events/tenant-lifecycle.events';
import { MAX_KEY_OVERLAP_MS, RotateApiKeyCommand, RotatedApiKey } from './rotate-api-key.command';

@CommandHandler(RotateApiKeyCommand)
export class RotateApiKeyHandler implements ICommandHandler<RotateApiKeyCommand, RotatedApiKey> {
  constructor(
    private readonly operations: TenantOperations,
    private readonly events: EventBus,
  ) {}

  async execute({ id, overlapMs }: RotateApiKeyCommand): Promise<RotatedApiKey> {
    if (!Number.isFinite(overlapMs) || overlapMs < 0 || overlapMs > MAX_KEY_OVERLAP_MS) {
      throw new InvalidInput('The key overlap must be between 0 and 7 days.', { field: 'overlap' });
    }
    const result = await this.operations.run(id, 'rotate_api_key', ['active', 'suspended'], async (admin, t) => {
      const key = generateApiKey(t.id);
      await new ApiKeyRepository(admin).replace(t.id, key.prefix, key.hash, overlapMs);
      return { id: t.id, apiKey: key.key, prefix: key.prefix, previousKeysValidUntil: new Date(Date.now() + overlapMs) };
    });
    this.events.publish(new TenantKeyRotatedEvent(result.id));
    return result;
  }
}
