import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { ModulesChange, TenantLifecycle } from '@kryonix/provisioning';
import { TenantModulesChangedEvent } from '../events/tenant-lifecycle.events';
import { ChangeModulesCommand } from './change-modules.command';

@CommandHandler(ChangeModulesCommand)
export class ChangeModulesHandler implements ICommandHandler<ChangeModulesCommand, ModulesChange> {
  constructor(
    private readonly lifecycle: TenantLifecycle,
    private readonly events: EventBus,
  ) {}

  async execute({ id, modules, purge }: ChangeModulesCommand): Promise<ModulesChange> {
    const result = await this.lifecycle.changeModules(id, modules, { purge });
    this.events.publish(new TenantModulesChangedEvent(result.id, result.modules));
    return result;
  }
}
