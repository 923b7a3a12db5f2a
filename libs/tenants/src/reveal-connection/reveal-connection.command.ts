import { Command } from '@nestjs/cqrs';
import type { IsolationMode } from '@kryonix/domain';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';

/** How a tenant app logs in to its PostgreSQL storage directly. `password` and `url` are secrets, returned on purpose. */
export interface TenantConnection {
  id: string;
  mode: IsolationMode;
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** The tenant's schemas, in module order: the role's search_path in `url`. */
  schemas: string[];
  /** postgresql://user:password@host:port/database?options=-c search_path=… (percent-encoded) */
  url: string;
}

/** Decrypts the tenant role's password and says where to connect: audited, since it reveals a secret. */
export class RevealConnectionCommand extends Command<TenantConnection> implements AuditedCommand {
  constructor(readonly id: string) {
    super();
  }

  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.revealConnection, target: auditTarget(this.id) };
  }
}
