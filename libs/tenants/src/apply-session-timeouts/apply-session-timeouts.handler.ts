import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import type { Kysely } from 'kysely';
import { TenantStorageRepository } from '@kryonix/provisioning';
import { REGISTRY_DB, type RegistryDatabase } from '@kryonix/registry';
import { ApplySessionTimeoutsCommand } from './apply-session-timeouts.command';

@CommandHandler(ApplySessionTimeoutsCommand)
export class ApplySessionTimeoutsHandler implements ICommandHandler<ApplySessionTimeoutsCommand, string[]> {
  constructor(
    private readonly storage: TenantStorageRepository,
    @Inject(REGISTRY_DB) private readonly registry: Kysely<RegistryDatabase>,
  ) {}

  async execute(): Promise<string[]> {
    const roles = await this.storage.rolesWithOtherTimeouts(this.registry);
    const changed: string[] = [];
    for (const role of roles) {
      try {
        await this.storage.setSessionTimeouts(this.registry, role);
        changed.push(role);
      } catch (error) {
        // dropped meanwhile (a purge, a spare taken and renamed): nothing left to set
        if ((error as { code?: string }).code !== '42704') throw error;
      }
    }
    return changed;
  }
}
