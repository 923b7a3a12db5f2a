import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand } from '../audit/audit-actions';

/** Signs a console session out: its row is deleted, so its cookie opens nothing any more. */
export class CloseConsoleSessionCommand extends Command<{ id: string | null }> implements AuditedCommand {
  constructor(readonly secret: string) {
    super();
  }

  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.consoleSignOut };
  }
}
