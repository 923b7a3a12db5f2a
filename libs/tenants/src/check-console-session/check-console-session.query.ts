import { createHash } from 'node:crypto';
import { Query } from '@nestjs/cqrs';

/** A live console session: its public id (the audit trail's) and the CSRF token its forms carry. */
export interface ConsoleSession {
  id: string;
  csrfToken: string;
  createdAt: Date;
  expiresAt: Date;
}

/** The session a cookie's secret opens, its last use moved to now; undefined when none (unknown, idle too long, or past its end). */
export class CheckConsoleSessionQuery extends Query<ConsoleSession | undefined> {
  constructor(readonly secret: string) {
    super();
  }
}

/** What the registry keeps of a session's secret. */
export function hashSessionSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** The CSRF secret is sealed to its session: moved to another row it does not open. */
export function csrfContext(sessionId: string): string {
  return `console-session:${sessionId}`;
}
