import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { SecretBox, generatePassword, scramSha256Verifier } from '@kryonix/platform';
import { TenantOperations } from '@kryonix/provisioning';
import { TenantRepository } from '@kryonix/registry';
import { TenantCredentialsRotatedEvent } from '../events/tenant-lifecycle.events';
import { RotateCredentialsCommand } from './rotate-credentials.command';

/** A new database password for the tenant role, stored encrypted; it is not shown. */
@CommandHandler(RotateCredentialsCommand)
export class RotateCredentialsHandler implements ICommandHandler<RotateCredentialsCommand, { id: string; role: string }> {
  constructor(
    private readonly operations: TenantOperations,
    private readonly secrets: SecretBox,
    private readonly events: EventBus,
  ) {}

  async execute({ id }: RotateCredentialsCommand): Promise<{ id: string; role: string }> {
    const result = await this.operations.run(id, 'rotate_credentials', ['active', 'suspended'], async (admin, t, server) => {
      const password = generatePassword();
      await server.storage.setPassword(server.admin, t.roleName, scramSha256Verifier(password));
      await new TenantRepository(admin).setRolePassword(t.id, this.secrets.encrypt(password, t.id));
      return { id: t.id, role: t.roleName };
    });
    this.events.publish(new TenantCredentialsRotatedEvent(result.id));
    return result;
  }
}
