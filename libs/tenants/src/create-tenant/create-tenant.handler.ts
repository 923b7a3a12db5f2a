import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { Provisioner } from '@kryonix/provisioning';
import { CreatedTenant, publicTenant } from '../disclosure';
import { TenantProvisionedEvent } from '../events/tenant-provisioned.event';
import { CreateTenantCommand } from './create-tenant.command';

@CommandHandler(CreateTenantCommand)
export class CreateTenantHandler implements ICommandHandler<CreateTenantCommand, CreatedTenant> {
  constructor(
    private readonly provisioner: Provisioner,
    private readonly events: EventBus,
  ) {}

  async execute({ input, onStep, jobId }: CreateTenantCommand): Promise<CreatedTenant> {
    const tenant = await this.provisioner.create(input, { onStep, jobId });
    this.events.publish(new TenantProvisionedEvent(tenant.id, tenant.mode, tenant.modules));
    return publicTenant(tenant);
  }
}
