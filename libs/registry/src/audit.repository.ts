import { Kysely } from 'kysely';
import { AuditDoor, RegistryDatabase } from './database';

export interface AuditEntry {
  actor: string;
  /** The use case, in the audit vocabulary (`tenant.suspend`, …; see AUDIT_ACTIONS). */
  action: string;
  door?: AuditDoor;
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

  /** Writes one row; returns its id (the HTTP door sets the status code it answered with on it). */
  async record(entry: AuditEntry): Promise<string> {
    const row = await this.db
      .insertInto('tenant_management.audit_log')
      .values({
        actor: entry.actor,
        action: entry.action,
        door: entry.door ?? null,
        target: entry.target ?? null,
        outcome: entry.outcome,
        status_code: entry.statusCode ?? null,
        details: JSON.stringify(entry.details ?? {}),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async setStatusCode(id: string, statusCode: number): Promise<void> {
    await this.db.updateTable('tenant_management.audit_log').set({ status_code: statusCode }).where('id', '=', id).execute();
  }

  async listFor(target: string, limit = 100): Promise<AuditRecord[]> {
    const rows = await this.db
      .selectFrom('tenant_management.audit_log')
      .select(['id', 'at', 'actor', 'action', 'door', 'target', 'outcome', 'status_code', 'details'])
      .where('target', '=', target)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      actor: r.actor,
      action: r.action,
      door: r.door ?? undefined,
      target: r.target ?? undefined,
      outcome: r.outcome,
      statusCode: r.status_code ?? undefined,
      details: r.details,
    }));
  }
}
