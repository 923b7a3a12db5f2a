import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';

/** `server remove`: forgets a server that holds no tenant; refused otherwise, nothing changed. */
export class RemoveServerCommand extends Command<{ name: string; removed: true }> implements AuditedCommand {
  constructor(readonly name: string) {
    super();
  }

  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.removeServer, target: auditTarget(this.name) };
  }
}
