import { Kysely } from 'kysely';
import { RegistryDatabase } from './database';

export interface AuditEntry {
  actor: string;
  action: string;
  target?: string;
  outcome: 'success' | 'failure';
  statusCode?: number;
  details?: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
  id: string;
  at: Date;
}

/** Who did what, when, and how it ended: one row per mutating operator call. */
export class AuditRepository {
  constructor(private readonly db: Kysely<RegistryDatabase>) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.db
      .insertInto('tenant_management.audit_log')
      .values({
        actor: entry.actor,
        action: entry.action,
        target: entry.target ?? null,
        outcome: entry.outcome,
        status_code: entry.statusCode ?? null,
        details: JSON.stringify(entry.details ?? {}),
      })
      .execute();
  }

  async listFor(target: string, limit = 100): Promise<AuditRecord[]> {
    const rows = await this.db
      .selectFrom('tenant_management.audit_log')
      .select(['id', 'at', 'actor', 'action', 'target', 'outcome', 'status_code', 'details'])
      .where('target', '=', target)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      actor: r.actor,
      action: r.action,
      target: r.target ?? undefined,
      outcome: r.outcome,
      statusCode: r.status_code ?? undefined,
      details: r.details,
    }));
  }
}
