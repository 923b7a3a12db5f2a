import { randomBytes, randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { KRYONIX_CONFIG, type KryonixConfig, SecretBox } from '@kryonix/platform';
import { ConsoleSessionRepository } from '@kryonix/registry';
import { csrfContext, hashSessionSecret } from '../check-console-session/check-console-session.query';
import { ConsoleSessionOpened, OpenConsoleSessionCommand } from './open-console-session.command';

@CommandHandler(OpenConsoleSessionCommand)
export class OpenConsoleSessionHandler implements ICommandHandler<OpenConsoleSessionCommand, ConsoleSessionOpened> {
  constructor(
    private readonly sessions: ConsoleSessionRepository,
    private readonly secrets: SecretBox,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {}

  async execute({ clientAddress }: OpenConsoleSessionCommand): Promise<ConsoleSessionOpened> {
    await this.sessions.removeExpired(this.config.consoleIdleTimeoutMs);
    const id = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const session = await this.sessions.insert({
      id,
      secretHash: hashSessionSecret(secret),
      csrfSecretEnc: this.secrets.encrypt(csrfToken, csrfContext(id)),
      maxAgeMs: this.config.consoleSessionMaxMs,
      clientAddress,
    });
    return { id, secret, csrfToken, expiresAt: session.expiresAt };
  }
}
