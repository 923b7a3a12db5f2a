import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DEFAULT_SERVER, ServerInUse, validateServerName } from '@kryonix/domain';
import { MoveRepository, ServerDirectory, ServerRecordRepository } from '@kryonix/registry';
import { RemoveServerCommand } from './remove-server.command';

@CommandHandler(RemoveServerCommand)
export class RemoveServerHandler implements ICommandHandler<RemoveServerCommand, { name: string; removed: true }> {
  constructor(
    private readonly records: ServerRecordRepository,
    private readonly directory: ServerDirectory,
    private readonly moves: MoveRepository,
  ) {}

  async execute({ name }: RemoveServerCommand): Promise<{ name: string; removed: true }> {
    const server = await this.directory.record(validateServerName(name));
    if (server.name === DEFAULT_SERVER) throw new ServerInUse(server.name, 'Server "default" is the registry\'s own; it cannot be removed.');
    const held = await this.moves.holdsOn(server.name);
    if (held.open) throw new ServerInUse(server.name, `Server "${server.name}" takes part in ${held.open} move(s) under way; let them finish (or \`kryonix tenant repair\` them) first.`);
    if (held.keptCopies) throw new ServerInUse(server.name, `Server "${server.name}" still keeps the source copies of ${held.keptCopies} moved tenant(s) (purged after KRYONIX_MOVE_KEEP); remove it after that.`);
    const tenants = (await this.records.tenantCounts()).get(server.name) ?? 0;
    // the foreign key of clientes.server_name refuses as well, should a tenant be placed meanwhile
    if (tenants > 0 || !(await this.records.delete(server.name))) {
      throw new ServerInUse(server.name, `Server "${server.name}" still holds ${tenants || 'some'} tenant(s): move them away first (\`kryonix server drain ${server.name}\`).`);
    }
    await this.directory.forget(server.name);
    return { name: server.name, removed: true };
  }
}
