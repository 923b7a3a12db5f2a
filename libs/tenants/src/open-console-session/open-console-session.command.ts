import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand } from '../audit/audit-actions';

/** A session just opened: `secret` goes to the browser's cookie and nowhere else. */
export interface ConsoleSessionOpened {
  id: string;
  secret: string;
  csrfToken: string;
  expiresAt: Date;
}

/**
 * Opens an operator console session. The door has checked the operator token (through
 * its AuthFailureLimiter) before it executes this: the core never sees the token.
 */
export class OpenConsoleSessionCommand extends Command<ConsoleSessionOpened> implements AuditedCommand {
  constructor(readonly clientAddress?: string) {
    super();
  }

  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.consoleSignIn };
  }
}
