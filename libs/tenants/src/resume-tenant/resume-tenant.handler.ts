import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { StatusChange, TenantLifecycle } from '@kryonix/provisioning';
import { TenantResumedEvent } from '../events/tenant-lifecycle.events';
import { ResumeTenantCommand } from './resume-tenant.command';

@CommandHandler(ResumeTenantCommand)
export class ResumeTenantHandler implements ICommandHandler<ResumeTenantCommand, StatusChange> {
  constructor(
    private readonly lifecycle: TenantLifecycle,
    private readonly events: EventBus,
  ) {}

  async execute({ id }: ResumeTenantCommand): Promise<StatusChange> {
    const result = await this.lifecycle.resume(id);
    this.events.publish(new TenantResumedEvent(result.id));
    return result;
  }
}
