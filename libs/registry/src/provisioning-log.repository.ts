import { Kysely, sql } from 'kysely';
import { RegistryDatabase } from './database';

export interface ProvisioningLogEntry {
  tenantId: string;
  runId: string;
  action: string;
  status: 'em_progresso' | 'sucesso' | 'erro' | 'desfeito';
  details?: Record<string, unknown>;
  durationMs?: number;
}

export interface ProvisioningLogRecord extends ProvisioningLogEntry {
  id: string;
  createdAt: Date;
}

export class ProvisioningLogRepository {
  constructor(private readonly db: Kysely<RegistryDatabase>) {}

  async append(entry: ProvisioningLogEntry): Promise<void> {
    await this.db
      .insertInto('tenant_management.logs_auto_creation')
      .values({
        cliente_id: entry.tenantId,
        run_id: entry.runId,
        acao: entry.action,
        status: entry.status,
        detalhes: JSON.stringify(entry.details ?? {}),
        duracao_ms: entry.durationMs === undefined ? null : entry.durationMs.toFixed(3),
      })
      .execute();
  }

  /** Whether a provisioning run of this tenant was started by that job. */
  async startedByJob(tenantId: string, jobId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('tenant_management.logs_auto_creation')
      .select('id')
      .where('cliente_id', '=', tenantId)
      .where(sql<boolean>`detalhes ->> 'jobId' = ${jobId}`)
      .executeTakeFirst();
    return Boolean(row);
  }

  /** Whether the tenant's latest provisioning began as a restore (a run that repair undoes rather than finishes). */
  async startedAsRestore(tenantId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('tenant_management.logs_auto_creation')
      .select(sql<boolean>`coalesce(detalhes ->> 'restore' = 'true', false)`.as('restore'))
      .where('cliente_id', '=', tenantId)
      .where('acao', '=', 'inicio_processo')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return Boolean(row?.restore);
  }

  /**
   * The details of the tenant's latest replace (restore --replace) when that run has not
   * ended (no processo_completo nor replace_desfeito of its run): a crash that repair settles.
   */
  async unfinishedReplace(tenantId: string): Promise<{ runId: string; details: Record<string, unknown> } | undefined> {
    const start = await this.db
      .selectFrom('tenant_management.logs_auto_creation')
      .select(['run_id', 'detalhes'])
      .where('cliente_id', '=', tenantId)
      .where('acao', '=', 'inicio_replace')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!start?.run_id) return undefined;
    const ended = await this.db
      .selectFrom('tenant_management.logs_auto_creation')
      .select('id')
      .where('cliente_id', '=', tenantId)
      .where('run_id', '=', start.run_id)
      .where('acao', 'in', ['processo_completo', 'replace_desfeito'])
      .executeTakeFirst();
    if (ended) return undefined;
    return { runId: start.run_id, details: start.detalhes };
  }

  async listFor(tenantId: string): Promise<ProvisioningLogRecord[]> {
    const rows = await this.db
      .selectFrom('tenant_management.logs_auto_creation')
      .select(['id', 'cliente_id', 'run_id', 'acao', 'status', 'detalhes', 'duracao_ms', 'created_at'])
      .where('cliente_id', '=', tenantId)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      tenantId: r.cliente_id,
      runId: r.run_id ?? '',
      action: r.acao,
      status: r.status as ProvisioningLogEntry['status'],
      details: r.detalhes,
      durationMs: r.duracao_ms === null ? undefined : Number(r.duracao_ms),
      createdAt: r.created_at,
    }));
  }
}
