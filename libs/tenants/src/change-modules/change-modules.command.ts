import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';

export interface ModulesChange {
  id: string;
  modules: string[];
  added: string[];
  removed: string[];
  /** Removed modules whose schemas (and data) were dropped; the others are detached and kept. */
  purged: string[];
}

/** Sets a tenant's modules to the whole wanted set; removed modules are detached, or dropped with `purge`. */
export class ChangeModulesCommand extends Command<ModulesChange> implements AuditedCommand {
  constructor(
    readonly id: string,
    readonly modules: unknown,
    readonly purge: boolean,
  ) {
    super();
  }

  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.changeModules, target: auditTarget(this.id), details: { purge: this.purge } };
  }
}
