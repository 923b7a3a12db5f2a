import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { ProvisionedTenant, Provisioner } from '@kryonix/provisioning';
import { TenantProvisionedEvent } from '../events/tenant-provisioned.event';
import { RepairTenantCommand } from './repair-tenant.command';

@CommandHandler(RepairTenantCommand)
export class RepairTenantHandler implements ICommandHandler<RepairTenantCommand, ProvisionedTenant> {
  constructor(
    private readonly provisioner: Provisioner,
    private readonly events: EventBus,
  ) {}

  async execute({ id, onStep }: RepairTenantCommand): Promise<ProvisionedTenant> {
    const tenant = await this.provisioner.repair(id, { onStep });
    this.events.publish(new TenantProvisionedEvent(tenant.id, tenant.mode, tenant.modules));
    return tenant;
  }
}
