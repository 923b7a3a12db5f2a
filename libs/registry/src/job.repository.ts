import { Kysely, sql } from 'kysely';
import { RegistryDatabase } from './database';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface JobRecord {
  id: string;
  kind: string;
  tenantId: string | null;
  payload: Record<string, unknown>;
  status: JobStatus;
  attempts: number;
  maxAttempts: number;
  runAfter: Date;
  lockedBy: string | null;
  heartbeatAt: Date | null;
  result: Record<string, unknown> | null;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const COLUMNS = ['id', 'kind', 'tenant_id', 'payload', 'status', 'attempts', 'max_attempts', 'run_after', 'locked_by', 'heartbeat_at', 'result', 'error', 'created_at', 'started_at', 'finished_at'] as const;

/** The durable job queue of tenant_management.jobs. */
export class JobRepository {
  constructor(private readonly db: Kysely<RegistryDatabase>) {}

  /** `runAfterMs`: not claimed before that many milliseconds from now (a purge after a grace period). */
  async enqueue(job: { id: string; kind: string; tenantId?: string; payload: Record<string, unknown>; maxAttempts?: number; runAfterMs?: number }): Promise<JobRecord> {
    const row = await this.db
      .insertInto('tenant_management.jobs')
      .values({
        id: job.id,
        kind: job.kind,
        tenant_id: job.tenantId ?? null,
        payload: JSON.stringify(job.payload),
        status: 'queued',
        max_attempts: job.maxAttempts ?? 5,
        ...(job.runAfterMs ? { run_after: sql<Date>`now() + make_interval(secs => ${job.runAfterMs / 1000})` } : {}),
      })
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    return toRecord(row);
  }

  /**
   * Queues each job unless a job with its `uniqueKey` exists (queued by this process or any
   * other, in any state): returns the ids of those queued now.
   */
  async enqueueOnce(jobs: ReadonlyArray<{ id: string; kind: string; tenantId: string; payload: Record<string, unknown>; uniqueKey: string; maxAttempts?: number }>): Promise<string[]> {
    const queued: string[] = [];
    for (let i = 0; i < jobs.length; i += 500) {
      const rows = await this.db
        .insertInto('tenant_management.jobs')
        .values(jobs.slice(i, i + 500).map((j) => ({ id: j.id, kind: j.kind, tenant_id: j.tenantId, payload: JSON.stringify(j.payload), status: 'queued' as const, max_attempts: j.maxAttempts ?? 5, unique_key: j.uniqueKey })))
        .onConflict((oc) => oc.column('unique_key').where('unique_key', 'is not', null).doNothing())
        .returning('id')
        .execute();
      queued.push(...rows.map((r) => r.id));
    }
    return queued;
  }

  /**
   * Claims one job: a queued one that is due, or a running one whose worker
   * stopped sending heartbeats (it crashed). SKIP LOCKED: two workers never get one job.
   */
  async claim(workerId: string, staleAfterMs: number): Promise<JobRecord | undefined> {
    const row = await this.db
      .updateTable('tenant_management.jobs')
      .set({
        status: 'running',
        attempts: sql`attempts + 1`,
        locked_by: workerId,
        heartbeat_at: sql`now()`,
        started_at: sql`coalesce(started_at, now())`,
      })
      .where(
        'id',
        '=',
        (eb) =>
          eb
            .selectFrom('tenant_management.jobs')
            .select('id')
            .where((w) =>
              w.or([
                w.and([w('status', '=', 'queued'), w('run_after', '<=', sql<Date>`now()`)]),
                w.and([w('status', '=', 'running'), w('heartbeat_at', '<', sql<Date>`now() - make_interval(secs => ${staleAfterMs / 1000})`)]),
              ]),
            )
            .orderBy('run_after')
            .limit(1)
            .forUpdate()
            .skipLocked(),
      )
      .returning(COLUMNS)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async heartbeat(id: string, workerId: string): Promise<boolean> {
    const r = await this.db
      .updateTable('tenant_management.jobs')
      .set({ heartbeat_at: sql`now()` })
      .where('id', '=', id)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async succeed(id: string, workerId: string, result: Record<string, unknown>): Promise<void> {
    await this.db
      .updateTable('tenant_management.jobs')
      .set({ status: 'succeeded', result: JSON.stringify(result), error: null, finished_at: sql`now()`, locked_by: null })
      .where('id', '=', id)
      .where('locked_by', '=', workerId)
      .execute();
  }

  /**
   * Retries after `retryInMs` while attempts remain; else the job has failed for good.
   * `refund`: the attempt does not count (it was cut short by an outage, not by the job).
   */
  async fail(id: string, workerId: string, error: string, retryInMs: number | null, refund = false): Promise<void> {
    await this.db
      .updateTable('tenant_management.jobs')
      .set(
        retryInMs === null
          ? { status: 'failed', error, finished_at: sql`now()`, locked_by: null }
          : { status: 'queued', error, locked_by: null, run_after: sql`now() + make_interval(secs => ${retryInMs / 1000})`, ...(refund ? { attempts: sql`greatest(attempts - 1, 0)` } : {}) },
      )
      .where('id', '=', id)
      .where('locked_by', '=', workerId)
      .execute();
  }

  /** A queued or running job of this kind for the tenant, if any (to avoid queuing the same work twice). */
  async findPending(kind: string, tenantId: string): Promise<JobRecord | undefined> {
    const row = await this.db
      .selectFrom('tenant_management.jobs')
      .select(COLUMNS)
      .where('kind', '=', kind)
      .where('tenant_id', '=', tenantId)
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /** A queued or running job of this kind whose payload holds `match` (e.g. the drain of one server), if any. */
  async findPendingWith(kind: string, match: Record<string, string>): Promise<JobRecord | undefined> {
    const row = await this.db
      .selectFrom('tenant_management.jobs')
      .select(COLUMNS)
      .where('kind', '=', kind)
      .where(sql<boolean>`payload @> ${JSON.stringify(match)}::jsonb`)
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /** A running job's progress so far, in its result (its worker only; the final result replaces it). */
  async progress(id: string, workerId: string, result: Record<string, unknown>): Promise<void> {
    await this.db
      .updateTable('tenant_management.jobs')
      .set({ result: JSON.stringify(result) })
      .where('id', '=', id)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running')
      .execute();
  }

  /** The newest jobs (of one kind, when given), newest first. */
  async recent(limit: number, kind?: string): Promise<JobRecord[]> {
    let query = this.db.selectFrom('tenant_management.jobs').select(COLUMNS).orderBy('created_at', 'desc').limit(limit);
    if (kind) query = query.where('kind', '=', kind);
    return (await query.execute()).map(toRecord);
  }

  async find(id: string): Promise<JobRecord | undefined> {
    const row = await this.db.selectFrom('tenant_management.jobs').select(COLUMNS).where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  /** Removes one key from the payload of a finished job (a sealed secret it no longer needs). */
  async forgetPayloadKey(id: string, key: string): Promise<void> {
    await sql`UPDATE tenant_management.jobs SET payload = payload - ${key}::text WHERE id = ${id} AND status IN ('succeeded', 'failed') AND payload ? ${key}`.execute(this.db);
  }

  /** Takes one key out of a job's result and returns its value: a secret handed out exactly once. */
  async takeResultKey(id: string, key: string): Promise<string | undefined> {
    const { rows } = await sql<{ value: string }>`
      WITH old AS (
        SELECT id, result ->> ${key} AS value FROM tenant_management.jobs
        WHERE id = ${id} AND result ? ${key} FOR UPDATE
      )
      UPDATE tenant_management.jobs j SET result = j.result - ${key}::text
      FROM old WHERE j.id = old.id
      RETURNING old.value`.execute(this.db);
    return rows[0]?.value;
  }
}

type Row = {
  id: string;
  kind: string;
  tenant_id: string | null;
  payload: Record<string, unknown>;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  run_after: Date;
  locked_by: string | null;
  heartbeat_at: Date | null;
  result: Record<string, unknown> | null;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
};

function toRecord(r: Row): JobRecord {
  return {
    id: r.id,
    kind: r.kind,
    tenantId: r.tenant_id,
    payload: r.payload,
    status: r.status,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    runAfter: r.run_after,
    lockedBy: r.locked_by,
    heartbeatAt: r.heartbeat_at,
    result: r.result,
    error: r.error,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}
