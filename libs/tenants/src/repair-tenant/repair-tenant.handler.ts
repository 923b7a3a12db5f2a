import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { Provisioner } from '@kryonix/provisioning';
import { CreatedTenant, publicTenant } from '../disclosure';
import { TenantProvisionedEvent } from '../events/tenant-provisioned.event';
import { RepairTenantCommand } from './repair-tenant.command';

@CommandHandler(RepairTenantCommand)
export class RepairTenantHandler implements ICommandHandler<RepairTenantCommand, CreatedTenant> {
  constructor(
    private readonly provisioner: Provisioner,
    private readonly events: EventBus,
  ) {}

  async execute({ id, onStep }: RepairTenantCommand): Promise<CreatedTenant> {
    const tenant = await this.provisioner.repair(id, { onStep });
    // a restore cut short was undone: there is no tenant to announce
    if (!tenant.rolledBack) this.events.publish(new TenantProvisionedEvent(tenant.id, tenant.mode, tenant.modules));
    return publicTenant(tenant);
  }
}
