import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';

export class RotateCredentialsCommand extends Command<{ id: string; role: string }> implements AuditedCommand {
  constructor(readonly id: string) {
    super();
  }

  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.rotateCredentials, target: auditTarget(this.id) };
  }
}
