import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';
import type { ServerSummary } from '../list-servers/list-servers.query';

export interface AddServerInput {
  name: string;
  /** postgres://user:password@host:port/db of a role that may create databases and roles (a secret). */
  adminUrl: string;
  /** The address other servers' subscriptions use to reach this one (a private network), when not the admin URL's. */
  replicationUrl?: string;
  tags?: Record<string, string>;
  maxTenants?: number | null;
  maxStorageBytes?: number | null;
  /** false: tenants are never moved to or from it, and the replication settings are not checked. */
  moves?: boolean;
}

/** Registers a PostgreSQL server for tenants, after checking it; its URLs are kept encrypted and never shown. */
export class AddServerCommand extends Command<ServerSummary> implements AuditedCommand {
  constructor(readonly input: AddServerInput) {
    super();
  }

  get audit(): AuditFacts {
    // never the URLs: they hold passwords
    const { tags, maxTenants, maxStorageBytes, moves } = this.input;
    return { action: AUDIT_ACTIONS.addServer, target: auditTarget(this.input.name), details: { tags, maxTenants, maxStorageBytes, moves: moves !== false } };
  }
}
