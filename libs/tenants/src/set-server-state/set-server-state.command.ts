import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';

/** `server cordon` (no new tenants placed there; its tenants stay and are served) and `server uncordon`. */
export class SetServerStateCommand extends Command<{ name: string; state: 'active' | 'cordoned' }> implements AuditedCommand {
  constructor(
    readonly name: string,
    readonly state: 'active' | 'cordoned',
  ) {
    super();
  }

  get audit(): AuditFacts {
    return { action: this.state === 'cordoned' ? AUDIT_ACTIONS.cordonServer : AUDIT_ACTIONS.uncordonServer, target: auditTarget(this.name) };
  }
}
