import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ServerInUse, validateServerName } from '@kryonix/domain';
import { ServerDirectory, ServerRecordRepository } from '@kryonix/registry';
import { SetServerStateCommand } from './set-server-state.command';

@CommandHandler(SetServerStateCommand)
export class SetServerStateHandler implements ICommandHandler<SetServerStateCommand, { name: string; state: 'active' | 'cordoned' }> {
  constructor(
    private readonly records: ServerRecordRepository,
    private readonly directory: ServerDirectory,
  ) {}

  async execute({ name, state }: SetServerStateCommand): Promise<{ name: string; state: 'active' | 'cordoned' }> {
    const server = await this.directory.record(validateServerName(name));
    if (server.state === 'draining') throw new ServerInUse(server.name, `Server "${server.name}" is being drained; it ends cordoned when the drain is done.`);
    if (server.state !== state) await this.records.setState(server.name, state);
    return { name: server.name, state };
  }
}
