import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ConsoleSessionRepository } from '@kryonix/registry';
import { hashSessionSecret } from '../check-console-session/check-console-session.query';
import { CloseConsoleSessionCommand } from './close-console-session.command';

@CommandHandler(CloseConsoleSessionCommand)
export class CloseConsoleSessionHandler implements ICommandHandler<CloseConsoleSessionCommand, { id: string | null }> {
  constructor(private readonly sessions: ConsoleSessionRepository) {}

  async execute({ secret }: CloseConsoleSessionCommand): Promise<{ id: string | null }> {
    return { id: (await this.sessions.remove(hashSessionSecret(secret))) ?? null };
  }
}
