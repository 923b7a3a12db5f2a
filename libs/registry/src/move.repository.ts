import { Kysely, Selectable, sql } from 'kysely';
import type { IsolationMode } from '@kryonix/domain';
import { MovePhase, MovesTable, RegistryDatabase } from './database';

export type { MovePhase };

/** A move of one tenant between two servers, as the registry keeps it (no secrets). */
export interface MoveRecord {
  id: string;
  tenantId: string;
  source: string;
  target: string;
  mode: IsolationMode;
  databaseName: string;
  roleName: string;
  /** Every schema copied (attached and detached modules). */
  schemas: string[];
  phase: MovePhase;
  attempts: number;
  maxAttempts: number;
  subscriptionOid: number | null;
  jobId: string | null;
  switchedAt: Date | null;
  verified: boolean | null;
  details: Record<string, unknown>;
  error: string | null;
  sourcePurgeAfter: Date | null;
  sourcePurgedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

export type NewMove = Pick<MoveRecord, 'id' | 'tenantId' | 'source' | 'target' | 'mode' | 'databaseName' | 'roleName' | 'schemas' | 'maxAttempts' | 'jobId'>;

/** The phases of a move that is still under way (not done, not failed). */
export const OPEN_MOVE_PHASES: readonly MovePhase[] = ['prepare_target', 'copy', 'cut_over', 'verify', 'clean_up', 'rolling_back'];

const TABLE = 'tenant_management.moves' as const;

export class MoveRepository {
  constructor(private readonly db: Kysely<RegistryDatabase>) {}

  /** Records a move in phase prepare_target; false when the tenant already has one under way. */
  async insert(move: NewMove): Promise<boolean> {
    try {
      await this.db
        .insertInto(TABLE)
        .values({
          id: move.id,
          tenant_id: move.tenantId,
          source: move.source,
          target: move.target,
          isolation_mode: move.mode,
          database_name: move.databaseName,
          role_name: move.roleName,
          schemas: JSON.stringify(move.schemas),
          phase: 'prepare_target',
          max_attempts: move.maxAttempts,
          job_id: move.jobId,
        })
        .execute();
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === '23505') return false;
      throw error;
    }
  }

  async find(id: string): Promise<MoveRecord | undefined> {
    const row = await this.db.selectFrom(TABLE).selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  /** The tenant's move under way, if any. */
  async findOpen(tenantId: string): Promise<MoveRecord | undefined> {
    const row = await this.db.selectFrom(TABLE).selectAll().where('tenant_id', '=', tenantId).where('phase', 'in', [...OPEN_MOVE_PHASES]).executeTakeFirst();
    return row && toRecord(row);
  }

  /** The tenant's moves, newest first. */
  async listFor(tenantId: string): Promise<MoveRecord[]> {
    return (await this.db.selectFrom(TABLE).selectAll().where('tenant_id', '=', tenantId).orderBy('created_at', 'desc').execute()).map(toRecord);
  }

  /** Every move under way, oldest first. */
  async open(): Promise<MoveRecord[]> {
    return (await this.db.selectFrom(TABLE).selectAll().where('phase', 'in', [...OPEN_MOVE_PHASES]).orderBy('created_at').execute()).map(toRecord);
  }

  /** Open moves of these tenants (one query, for a fleet run). */
  async openFor(tenantIds: readonly string[]): Promise<MoveRecord[]> {
    if (tenantIds.length === 0) return [];
    return (await this.db.selectFrom(TABLE).selectAll().where('tenant_id', 'in', [...tenantIds]).where('phase', 'in', [...OPEN_MOVE_PHASES]).execute()).map(toRecord);
  }

  /** Open moves that a durable job (a drain, a rebalance) started: its retry finishes or rolls them back first. */
  async openForJob(jobId: string): Promise<MoveRecord[]> {
    return (await this.db.selectFrom(TABLE).selectAll().where('job_id', '=', jobId).where('phase', 'in', [...OPEN_MOVE_PHASES]).orderBy('created_at').execute()).map(toRecord);
  }

  async setPhase(id: string, phase: MovePhase, patch: { subscriptionOid?: number; details?: Record<string, unknown> } = {}): Promise<void> {
    await this.db
      .updateTable(TABLE)
      .set({
        phase,
        updated_at: sql<Date>`now()`,
        ...(patch.subscriptionOid !== undefined ? { subscription_oid: patch.subscriptionOid } : {}),
        ...(patch.details ? { details: sql<string>`details || ${JSON.stringify(patch.details)}::jsonb` } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  /** One more cut-over attempt; returns how many were made. */
  async countAttempt(id: string): Promise<number> {
    const row = await this.db.updateTable(TABLE).set({ attempts: sql<number>`attempts + 1`, updated_at: sql<Date>`now()` }).where('id', '=', id).returning('attempts').executeTakeFirstOrThrow();
    return row.attempts;
  }

  /** The registry points at the target now (same transaction as clientes.server_name). */
  async markSwitched(id: string): Promise<void> {
    await this.db.updateTable(TABLE).set({ phase: 'verify', switched_at: sql<Date>`now()`, updated_at: sql<Date>`now()` }).where('id', '=', id).execute();
  }

  async setVerified(id: string, verified: boolean, details: Record<string, unknown> = {}): Promise<void> {
    await this.db.updateTable(TABLE).set({ verified, details: sql<string>`details || ${JSON.stringify(details)}::jsonb`, updated_at: sql<Date>`now()` }).where('id', '=', id).execute();
  }

  /** The move is over: done (its source copy purged after `keepMs`, or kept with null) or failed with `error`. */
  async finish(id: string, outcome: { phase: 'done' | 'failed'; error?: string; keepMs?: number | null }): Promise<void> {
    await this.db
      .updateTable(TABLE)
      .set({
        phase: outcome.phase,
        error: outcome.error ?? null,
        source_purge_after: outcome.keepMs === undefined || outcome.keepMs === null ? null : sql<Date>`now() + make_interval(secs => ${outcome.keepMs / 1000})`,
        updated_at: sql<Date>`now()`,
        finished_at: sql<Date>`now()`,
      })
      .where('id', '=', id)
      .execute();
  }

  /** Source copies whose keeping time is over and that are not purged yet. */
  async dueKeptCopies(now = new Date()): Promise<MoveRecord[]> {
    const rows = await this.db.selectFrom(TABLE).selectAll().where('source_purged_at', 'is', null).where('source_purge_after', '<=', now).orderBy('source_purge_after').execute();
    return rows.map(toRecord);
  }

  /** A source copy of this tenant still kept on `server` by an earlier move (moving back there drops it first). */
  async keptCopyOn(tenantId: string, server: string): Promise<MoveRecord | undefined> {
    const row = await this.db
      .selectFrom(TABLE)
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('source', '=', server)
      .where('switched_at', 'is not', null)
      .where('source_purged_at', 'is', null)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async markSourcePurged(id: string): Promise<void> {
    await this.db.updateTable(TABLE).set({ source_purged_at: sql<Date>`now()`, updated_at: sql<Date>`now()` }).where('id', '=', id).execute();
  }

  /** What keeps a server from being removed: moves under way to or from it, and source copies kept there. */
  async holdsOn(server: string): Promise<{ open: number; keptCopies: number }> {
    const row = await this.db
      .selectFrom(TABLE)
      .select([
        sql<string>`count(*) FILTER (WHERE phase NOT IN ('done', 'failed'))`.as('open'),
        sql<string>`count(*) FILTER (WHERE source = ${server} AND switched_at IS NOT NULL AND source_purged_at IS NULL)`.as('kept'),
      ])
      .where((eb) => eb.or([eb('source', '=', server), eb('target', '=', server)]))
      .executeTakeFirstOrThrow();
    return { open: Number(row.open), keptCopies: Number(row.kept) };
  }
}

function toRecord(r: Selectable<MovesTable>): MoveRecord {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    source: r.source,
    target: r.target,
    mode: r.isolation_mode,
    databaseName: r.database_name,
    roleName: r.role_name,
    schemas: r.schemas,
    phase: r.phase,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    subscriptionOid: r.subscription_oid === null ? null : Number(r.subscription_oid),
    jobId: r.job_id,
    switchedAt: r.switched_at,
    verified: r.verified,
    details: r.details,
    error: r.error,
    sourcePurgeAfter: r.source_purge_after,
    sourcePurgedAt: r.source_purged_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
  };
}
