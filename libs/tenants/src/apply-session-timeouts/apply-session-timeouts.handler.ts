import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { TenantServers } from '@kryonix/provisioning';
import { TenantRepository } from '@kryonix/registry';
import { ApplySessionTimeoutsCommand } from './apply-session-timeouts.command';

@CommandHandler(ApplySessionTimeoutsCommand)
export class ApplySessionTimeoutsHandler implements ICommandHandler<ApplySessionTimeoutsCommand, string[]> {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly servers: TenantServers,
  ) {}

  /** On each server, the roles of its tenants whose login settings differ get the configured timeouts. */
  async execute(): Promise<string[]> {
    const byServer = new Map<string, string[]>();
    for (const t of await this.tenants.list()) byServer.set(t.serverName, [...(byServer.get(t.serverName) ?? []), t.roleName]);
    const changed: string[] = [];
    for (const [name, roles] of byServer) {
      const server = await this.servers.get(name);
      for (const role of await server.storage.rolesWithOtherTimeouts(server.admin, roles)) {
        try {
          await server.storage.setSessionTimeouts(server.admin, role);
          changed.push(role);
        } catch (error) {
          // dropped meanwhile (a purge, a spare taken and renamed): nothing left to set
          if ((error as { code?: string }).code !== '42704') throw error;
        }
      }
    }
    return changed;
  }
}
