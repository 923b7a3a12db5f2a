import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { KRYONIX_CONFIG, type KryonixConfig, SecretBox } from '@kryonix/platform';
import { ConsoleSessionRepository } from '@kryonix/registry';
import { CheckConsoleSessionQuery, ConsoleSession, csrfContext, hashSessionSecret } from './check-console-session.query';

/** Cookie secrets are 32 random bytes in base64url; anything else opens nothing (and costs no query). */
const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}$/;

@QueryHandler(CheckConsoleSessionQuery)
export class CheckConsoleSessionHandler implements IQueryHandler<CheckConsoleSessionQuery, ConsoleSession | undefined> {
  constructor(
    private readonly sessions: ConsoleSessionRepository,
    private readonly secrets: SecretBox,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {}

  async execute({ secret }: CheckConsoleSessionQuery): Promise<ConsoleSession | undefined> {
    if (!SECRET_SHAPE.test(secret)) return undefined;
    const row = await this.sessions.touch(hashSessionSecret(secret), this.config.consoleIdleTimeoutMs);
    if (!row) return undefined;
    return { id: row.id, csrfToken: this.secrets.decrypt(row.csrfSecretEnc, csrfContext(row.id)), createdAt: row.createdAt, expiresAt: row.expiresAt };
  }
}
