import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import { type CutOverSteps, IsolationMode, KryonixError, MoveFailed, SHARED_TENANTS_DATABASE, ServerUnfit, Unavailable, connectFault, isServerAway, tenantSchemaName } from '@kryonix/domain';
import { ModuleCatalog, ModuleDefinition } from '@kryonix/modules';
import { type FailpointAction, SecretBox, generatePassword, scramSha256Verifier } from '@kryonix/platform';
import { type SchemaPlan, type StepEvent, TenantServer, TenantServers, failpoint } from '@kryonix/provisioning';
import { ModuleLedgerRepository, MoveRecord, MoveRepository, RegistryDatabase, ServerDirectory, TenantRepository } from '@kryonix/registry';
import { StepTimer } from './cut-over-steps';
import { ReplicationRepository, TableFacts, TableRef, tableName } from './replication.repository';

/** How a move tells the data planes about its cut-over (tenant events). */
export interface MoveHooks {
  /** One line per phase as it ends (like a create's steps). */
  onPhase?: (event: StepEvent) => void;
  /** The cut-over begins: data planes hold the tenant's new requests (at most KRYONIX_MOVE_MAX_PAUSE) and may ready connections to `to`, the target. */
  hold(tenantId: string, to: string): void;
  /** The cut-over is over: held requests go to the target (`switched`) or on to the source. */
  release(tenantId: string, switched: boolean): void;
  /** The copy's progress, every KRYONIX_MOVE_PROGRESS_MS and once when every table is copied. */
  onProgress?: (progress: CopyProgress) => void;
}

/** How far a move's copy is (pg_subscription_rel and the target's statistics on the target, the slots on the source). */
export interface CopyProgress {
  tenant: string;
  /** Tables whose initial copy is done (ready, streaming) of `tablesTotal`. */
  tablesDone: number;
  tablesTotal: number;
  /** Rows on the target so far (an estimate from its statistics). */
  rows: number;
  /** WAL bytes the subscription is behind the source (null: not known yet). */
  lagBytes: number | null;
  elapsedMs: number;
}

export interface MoverOptions {
  /** KRYONIX_MOVE_MAX_PAUSE: the longest a cut-over may hold the tenant's writes. */
  maxPauseMs: number;
  /** KRYONIX_MOVE_KEEP: how long the source copy is kept once the move is done. */
  keepMs: number;
  failpoints?: ReadonlyMap<string, FailpointAction>;
  /** How long a copy whose target reports errors may go without progress before the move gives up. */
  stalledCopyMs?: number;
  /** KRYONIX_MOVE_COPY_TIMEOUT: the longest the copy phase may take. */
  copyTimeoutMs?: number;
  /** KRYONIX_MOVE_PROGRESS_MS: how often the copy reports its progress. */
  progressMs?: number;
  /** How long the source or the target may not answer during the copy before the move gives up (default 5 s). */
  serverAwayMs?: number;
}

export interface MoveResult {
  id: string;
  tenant: string;
  source: string;
  target: string;
  mode: IsolationMode;
  /** moved: served from the target; rolled_back: served from the source as before. */
  outcome: 'moved' | 'rolled_back';
  attempts: number;
  /** How long the tenant's writes were held at the cut-over that succeeded. */
  pauseMs: number | null;
  tables: number;
  rows: number | null;
  /** The per-table checksums agreed (null: not compared, the move was finished by a repair). */
  verified: boolean | null;
  sourceKeptUntil: Date | null;
  phases: Array<{ phase: string; durationMs: number }>;
  /** The successful cut-over's steps (null: it did not reach one, or it was not recorded). */
  cutOverSteps: CutOverSteps | null;
  durationMs: number;
}

/** The names of everything a move makes for itself (publication, subscription, slot, role): after the move's id. */
export const moveObjectName = (moveId: string) => `kryonix_move_${moveId.replace(/-/g, '').slice(0, 16)}`;

/** A cut-over attempt given up (its pause would pass the limit, or the copies did not agree yet): writes resume on the source. */
class Abandoned extends Error {
  constructor(
    message: string,
    readonly steps: CutOverSteps,
  ) {
    super(message);
  }
}

/** How long a cut-over waits, before its hold, for a VACUUM of the source's tables to end (when it cannot have it cancelled). */
const VACUUM_WAIT_MS = 10_000;
/** A cut-over begins once the target is at most this far behind the source (bytes of WAL), or after CAUGHT_UP_WAIT_MS. */
const CAUGHT_UP_BYTES = 256 * 1024;
const CAUGHT_UP_WAIT_MS = 10_000;
/** How long a cut-over lets the data planes hear of its hold before it locks the source. */
const HOLD_GRACE_MS = 30;
/** A cut-over's lock not granted by then: who holds it back is recorded. */
const LOCK_PROBE_MS = 50;
/** Tables counted at once on each server at the cut-over. */
const COUNT_CONCURRENCY = 3;

/** What one run of a move works with. */
interface MoveContext {
  move: MoveRecord;
  source: TenantServer;
  target: TenantServer;
  sourceDb: Kysely<unknown>;
  /** Undefined until the target's database exists (database mode). */
  targetDb?: Kysely<unknown>;
  /** The tenant's attached modules' schemas (what its role may use). */
  attached: string[];
  tables: TableFacts[];
  sequences: Array<{ schema: string; name: string }>;
  name: string;
  switched: boolean;
  /** The target as it was at the cut-over, for the checksums. */
  snapshot?: HeldTransaction;
  phases: Array<{ phase: string; durationMs: number }>;
  attempts: number;
  pauseMs: number | null;
  rows: number | null;
  verified: boolean | null;
  /** Whether the source's admin may shorten the deadlock check (learnt at the first cut-over attempt). */
  sourceSuperuser?: boolean;
}

interface HeldTransaction {
  trx: Kysely<unknown>;
  end(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Moves a live tenant to another server with PostgreSQL's logical replication, in phases:
 * prepare_target (its storage at the same module versions, its role with the same
 * password, no rows), copy (a publication of its tables on the source, a subscription on
 * the target as a replication role made for this move, until every table is copied and
 * streaming), cut_over (writes stopped on the source by a lock, the target confirms the
 * source's WAL position, sequences set, row counts compared, the registry switched; an
 * attempt that would pass KRYONIX_MOVE_MAX_PAUSE is abandoned and tried again), verify
 * (per-table checksums of both copies as of the cut-over) and clean_up (subscription, slots,
 * publication and the move's role dropped; the source copy kept without access for
 * KRYONIX_MOVE_KEEP). Before the registry is switched a failure rolls everything back;
 * after, the move is finished. The caller holds the tenant's lock.
 */
export class TenantMover {
  private readonly sql = new ReplicationRepository();

  constructor(
    private readonly registry: Kysely<RegistryDatabase>,
    private readonly servers: TenantServers,
    private readonly directory: ServerDirectory,
    private readonly catalog: ModuleCatalog,
    private readonly secrets: SecretBox,
    private readonly options: MoverOptions,
  ) {}

  get replication(): ReplicationRepository {
    return this.sql;
  }

  /** The tenant's schemas (attached and detached modules: every module of its ledger) and their plans at the ledger's versions. */
  async schemaPlans(tenantId: string, mode: IsolationMode): Promise<SchemaPlan[]> {
    const versions = new Map<string, number>();
    for (const row of await new ModuleLedgerRepository(this.registry).listFor(tenantId)) versions.set(row.module, Math.max(versions.get(row.module) ?? 0, row.version));
    let ordered: ModuleDefinition[];
    try {
      ordered = this.catalog.resolve([...versions.keys()]);
    } catch {
      ordered = this.catalog.list().filter((m) => versions.has(m.name)); // a detached module's dependency may be gone
    }
    return ordered.map((m) => {
      const version = versions.get(m.name)!;
      return { module: { ...m, version, migrations: m.migrations.filter((f) => f.version <= version) }, schema: tenantSchemaName(tenantId, mode, m.name) };
    });
  }

  /** Runs a move recorded in phase prepare_target to its end. */
  async run(move: MoveRecord, hooks: MoveHooks): Promise<MoveResult> {
    const started = performance.now();
    const ctx = await this.context(move);
    try {
      try {
        await this.phase(ctx, 'prepare_target', hooks, () => this.prepareTarget(ctx));
        await this.phase(ctx, 'copy', hooks, () => this.copy(ctx, hooks));
        await this.phase(ctx, 'cut_over', hooks, () => this.cutOver(ctx, hooks));
      } catch (error) {
        if (ctx.switched) return await this.finishAfterSwitch(ctx, hooks, started, error);
        await this.rollBack(ctx, hooks, error);
        throw failure(ctx, error);
      }
      return await this.finishAfterSwitch(ctx, hooks, started);
    } finally {
      await ctx.snapshot?.end();
      await this.release(ctx);
    }
  }

  /**
   * A move whose process died (or that failed half-way): finished when the registry already
   * points at the target, else rolled back. Either way nothing of the move is left on either
   * server. The caller holds the tenant's lock (so no live process runs this move).
   */
  async recover(move: MoveRecord, hooks: MoveHooks): Promise<MoveResult> {
    const started = performance.now();
    // a roll-back needs nothing of the source's tables: one whose source is away still clears the target
    const ctx = await this.context(move, { sourceMayBeAway: true });
    try {
      const tenant = await new TenantRepository(this.registry).findById(move.tenantId);
      ctx.switched = tenant?.serverName === move.target;
      ctx.verified = move.verified;
      ctx.attempts = move.attempts;
      if (ctx.switched) {
        hooks.release(move.tenantId, true);
        await this.phase(ctx, 'clean_up', hooks, () => this.cleanUp(ctx));
        await new MoveRepository(this.registry).finish(move.id, { phase: 'done', keepMs: this.options.keepMs });
      } else {
        const cause = move.phase === 'rolling_back' && typeof move.details.rollBackCause === 'string' ? move.details.rollBackCause : `the move's process stopped in phase ${move.phase}`;
        await this.rollBack(ctx, hooks, new Error(cause));
      }
      return await this.result(ctx, started);
    } finally {
      await this.release(ctx);
    }
  }

  /** Drops a source copy kept by a done move (its keeping time is over, or the tenant moves back there). */
  async purgeKeptCopy(move: MoveRecord): Promise<'purged' | 'live'> {
    const moves = new MoveRepository(this.registry);
    const tenant = await new TenantRepository(this.registry).findById(move.tenantId);
    // the tenant lives there again (moved back): that copy is its own now
    if (tenant?.serverName === move.source) {
      await moves.markSourcePurged(move.id);
      return 'live';
    }
    const server = await this.servers.get(move.source);
    if (move.mode === 'database') {
      await server.storage.dropDatabase(server.admin, move.databaseName);
      await server.storage.dropRole(server.admin, move.roleName, []);
    } else {
      await server.storage.dropSchemas(SHARED_TENANTS_DATABASE, move.schemas);
      await server.storage.dropRole(server.admin, move.roleName, [SHARED_TENANTS_DATABASE]);
    }
    await moves.markSourcePurged(move.id);
    return 'purged';
  }

  // ---- phases ---------------------------------------------------------------------

  private async phase(ctx: MoveContext, name: 'prepare_target' | 'copy' | 'cut_over' | 'verify' | 'clean_up', hooks: MoveHooks, fn: () => Promise<Record<string, unknown>>): Promise<void> {
    await new MoveRepository(this.registry).setPhase(ctx.move.id, name);
    const started = performance.now();
    try {
      const details = await fn();
      const durationMs = performance.now() - started;
      await new MoveRepository(this.registry).setPhase(ctx.move.id, ctx.switched && name === 'cut_over' ? 'verify' : name, { details: { [name]: { ...details, durationMs: Math.round(durationMs) } } });
      // the worst moment to fail or die: the phase's work is done and recorded, the next has not begun
      await failpoint(this.options.failpoints, name);
      ctx.phases.push({ phase: name, durationMs });
      hooks.onPhase?.({ step: name, status: 'sucesso', durationMs, details });
    } catch (error) {
      hooks.onPhase?.({ step: name, status: 'erro', durationMs: performance.now() - started, error: (error as Error).message });
      throw error;
    }
  }

  /** The tenant's storage on the target at the ledger's module versions, its role (same name and password, no login yet), no rows. */
  private async prepareTarget(ctx: MoveContext): Promise<Record<string, unknown>> {
    const { move, target } = ctx;
    const moves = new MoveRepository(this.registry);
    // moving back within KRYONIX_MOVE_KEEP: the copy kept there is dropped, the tenant is copied again
    const kept = await moves.keptCopyOn(move.tenantId, move.target);
    if (kept) await this.purgeKeptCopy(kept);
    await refuseTakenStorage(target, move);
    await moves.setPhase(move.id, 'prepare_target', { details: { targetClaimed: true } });
    ctx.move = { ...move, details: { ...move.details, targetClaimed: true } };
    const tenant = await new TenantRepository(this.registry).findById(move.tenantId);
    if (!tenant?.rolePasswordEnc) throw new MoveFailed(`Tenant "${move.tenantId}" has no role password in the registry; run \`kryonix tenant repair ${move.tenantId}\` first.`);
    const password = this.secrets.decrypt(tenant.rolePasswordEnc, tenant.id);
    await target.storage.ensureLoginRole(target.admin, move.roleName, scramSha256Verifier(password), false);
    if (move.mode === 'database') await target.storage.ensureDatabase(target.admin, move.databaseName);
    else await target.storage.ensureSharedTenantsDatabase(target.admin);
    const plans = await this.schemaPlans(move.tenantId, move.mode);
    await target.storage.createModuleSchemas(move.databaseName, plans);
    await target.storage.grantAccess(move.databaseName, move.roleName, ctx.attached);
    const targetDb = this.targetDb(ctx);
    const made = await this.sql.tables(targetDb, move.schemas);
    const differ = differentTables(ctx.tables, made);
    if (differ.length) {
      throw new MoveFailed(`Tenant "${move.tenantId}"'s tables on "${move.source}" are not what its modules' migrations make (${differ.join(', ')}): see \`kryonix drift\`; nothing was moved.`);
    }
    await this.sql.truncate(targetDb, made);
    return { schemas: move.schemas, tables: made.length };
  }

  /** Publication on the source, the move's replication role, subscription on the target; waits until every table is copied and streaming. */
  private async copy(ctx: MoveContext, hooks: MoveHooks): Promise<Record<string, unknown>> {
    const { move, source, name } = ctx;
    const targetDb = this.targetDb(ctx);
    const password = generatePassword();
    await this.sql.createReplicationRole(source.admin, name, scramSha256Verifier(password));
    await source.storage.grantCopyAccess(move.databaseName, name, move.schemas);
    await this.sql.createPublication(ctx.sourceDb, name, ctx.tables);
    let oid: number;
    try {
      oid = await this.sql.createSubscription(targetDb, name, await this.conninfo(move, name, password), name);
    } catch (error) {
      const message = (error as Error).message ?? '';
      if (/could not connect to the publisher|connection to server/i.test(message)) {
        throw new ServerUnfit(move.target, `Server "${move.target}" cannot reach server "${move.source}" for the copy (${message.split('\n')[0]}): give "${move.source}" a replication URL that "${move.target}" can reach (server add --replication-url); nothing was moved.`);
      }
      throw error;
    }
    await new MoveRepository(this.registry).setPhase(move.id, 'copy', { subscriptionOid: oid });
    ctx.move = { ...ctx.move, subscriptionOid: oid };
    const stalledMs = this.options.stalledCopyMs ?? 60_000;
    const timeoutMs = this.options.copyTimeoutMs ?? 12 * 3600_000;
    const everyMs = this.options.progressMs ?? 3_000;
    const away = new AwayServers(ctx, this.options.serverAwayMs ?? 5_000);
    const began = performance.now();
    let reportedAt = began;
    let last = -1;
    let progressAt = performance.now();
    let lastErrors = 0;
    let sourceAskedAt = began;
    for (;;) {
      const read = (await away.answer(move.target, () => this.sql.syncProgress(targetDb, name)))?.value;
      // the source is asked too (the copy reads it): at each progress report, when the target reports new errors, and often while it does not answer
      const askSource = read === undefined ? false : read.errors !== lastErrors || away.has(move.source) || performance.now() - sourceAskedAt >= everyMs;
      if (askSource) {
        lastErrors = read!.errors;
        sourceAskedAt = performance.now();
      }
      if (read === undefined || (askSource && !(await away.answer(move.source, () => this.sql.ping(source.admin))))) {
        await sleep(250);
        continue;
      }
      const { states, errors } = read;
      const ready = states.r ?? 0;
      const done = ready === ctx.tables.length;
      if (done || performance.now() - reportedAt >= everyMs) {
        reportedAt = performance.now();
        const progress = await this.progress(ctx, ready, performance.now() - began);
        await new MoveRepository(this.registry).setPhase(move.id, 'copy', { details: { copyProgress: progress } }).catch(() => undefined);
        hooks.onProgress?.(progress);
      }
      if (done) break;
      if (performance.now() - began > timeoutMs) {
        const rows = await this.sql.copiedRows(targetDb, move.schemas).catch(() => null);
        throw new MoveFailed(
          `The copy of tenant "${move.tenantId}" to "${move.target}" did not finish within KRYONIX_MOVE_COPY_TIMEOUT (${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}): ${ready} of ${ctx.tables.length} tables copied${rows === null ? '' : `, about ${rows} rows`}; nothing was moved (it is served from "${move.source}" as before). Raise KRYONIX_MOVE_COPY_TIMEOUT for a tenant this large.`,
        );
      }
      if (ready !== last) {
        last = ready;
        progressAt = performance.now();
      } else if (performance.now() - progressAt > stalledMs) {
        // errors on the target (the source away, a table it cannot copy), or no table being copied at all (no worker to spare there)
        const workers = errors > 0 ? undefined : await this.sql.subscriptionWorkers(targetDb, name);
        if (!workers || workers.copying === 0) {
          const why = workers
            ? `none being copied: "${move.target}" may have no logical replication worker to spare, max_logical_replication_workers = ${workers.max} with ${workers.running} running`
            : `${errors} error(s) on the target: see its server log`;
          throw new MoveFailed(`The copy of tenant "${move.tenantId}" to "${move.target}" makes no progress (${ready} of ${ctx.tables.length} tables copied, ${why}); nothing was moved.`);
        }
      }
      await sleep(100);
    }
    // outside the pause: the cut-over's counts of the target become index-only scans, and no
    // autovacuum of these inserts holds the tables when the tenant moves on from here
    const vacuumed = performance.now();
    await this.sql.vacuumAnalyze(targetDb, ctx.tables);
    return { tables: ctx.tables.length, vacuumMs: Math.round(performance.now() - vacuumed) };
  }

  /**
   * The copy's progress now: rows estimated from the target's statistics while it copies,
   * counted once every table is copied. A figure a server cannot give right now is left out
   * (0 rows, null lag), never a failure.
   */
  private async progress(ctx: MoveContext, ready: number, elapsedMs: number): Promise<CopyProgress> {
    const targetDb = this.targetDb(ctx);
    const counted = async () => Object.values(await this.sql.rowCounts(targetDb, ctx.tables)).reduce((n, c) => n + c, 0);
    const [rows, lagBytes] = await Promise.all([
      (ready === ctx.tables.length ? counted() : this.sql.copiedRows(targetDb, ctx.move.schemas)).catch(() => 0),
      this.sql.lagBytes(ctx.source.admin, ctx.name, ctx.move.subscriptionOid).catch(() => null),
    ]);
    return { tenant: ctx.move.tenantId, tablesDone: ready, tablesTotal: ctx.tables.length, rows, lagBytes, elapsedMs: Math.round(elapsedMs) };
  }

  /** Cut-over attempts until one succeeds, up to the move's max_attempts (then the move fails, served from the source). */
  private async cutOver(ctx: MoveContext, hooks: MoveHooks): Promise<Record<string, unknown>> {
    const moves = new MoveRepository(this.registry);
    const abandoned: Array<{ attempt: number; reason: string; steps: CutOverSteps }> = [];
    for (;;) {
      const attempt = await moves.countAttempt(ctx.move.id);
      ctx.attempts = attempt;
      const started = performance.now();
      try {
        const steps = await this.tryCutOver(ctx, hooks);
        return { attempts: attempt, pauseMs: Math.round(ctx.pauseMs ?? 0), rows: ctx.rows, sequences: ctx.sequences.length, steps, ...(abandoned.length ? { abandoned } : {}) };
      } catch (error) {
        if (!(error instanceof Abandoned)) throw error;
        abandoned.push({ attempt, reason: error.message, steps: error.steps });
        await moves.setPhase(ctx.move.id, 'cut_over', { details: { cutOverAbandoned: abandoned } }).catch(() => undefined);
        const last = attempt >= ctx.move.maxAttempts;
        hooks.onPhase?.({ step: 'cut_over', status: 'erro', durationMs: performance.now() - started, error: `attempt ${attempt} abandoned, writes resumed on ${ctx.move.source}: ${error.message}${last ? '' : '; trying again'}` });
        if (last) throw new MoveFailed(`The cut-over of tenant "${ctx.move.tenantId}" was abandoned ${attempt} time(s) (${error.message}): its writes could not be paused within KRYONIX_MOVE_MAX_PAUSE (${this.options.maxPauseMs} ms); it is served from "${ctx.move.source}" as before.`);
        await sleep(Math.min(5_000, 500 * attempt)); // the copy keeps streaming meanwhile
      }
    }
  }

  /**
   * A VACUUM on one of the source's tables would hold the cut-over's lock: a role that may
   * shorten the deadlock check has it cancelled within 20 ms (prepareLock); any other waits
   * here, before the hold, up to VACUUM_WAIT_MS.
   */
  private async awaitVacuum(ctx: MoveContext): Promise<void> {
    const deadline = performance.now() + VACUUM_WAIT_MS;
    while (performance.now() < deadline) {
      const busy = await this.sql.vacuuming(ctx.sourceDb, ctx.tables).catch(() => []);
      if (busy.length === 0 || ctx.sourceSuperuser) return;
      await sleep(200);
    }
  }

  /**
   * Before the hold, the target close behind the source (at most CAUGHT_UP_BYTES of WAL, or
   * CAUGHT_UP_WAIT_MS have passed): what it is behind then is what the pause waits for it to
   * confirm (seen: 694 ms of a pause when a cut-over began right after a long copy).
   */
  private async awaitCaughtUp(ctx: MoveContext): Promise<void> {
    const deadline = performance.now() + CAUGHT_UP_WAIT_MS;
    while (performance.now() < deadline) {
      const { lagBytes } = await this.sql
        .currentWalLsn(ctx.source.admin)
        .then((lsn) => this.sql.confirmedUpTo(ctx.source.admin, ctx.name, lsn))
        .catch(() => ({ lagBytes: null }));
      if (lagBytes !== null && lagBytes <= CAUGHT_UP_BYTES) return;
      await sleep(50);
    }
  }

  private async tryCutOver(ctx: MoveContext, hooks: MoveHooks): Promise<CutOverSteps> {
    const { move, source, target, name } = ctx;
    const targetDb = this.targetDb(ctx);
    await this.awaitVacuum(ctx);
    await this.awaitCaughtUp(ctx);
    // the connections the pause uses (its transaction, the counts, the snapshot) opened before it
    await Promise.all([this.sql.openConnections(ctx.sourceDb, COUNT_CONCURRENCY + 1), this.sql.openConnections(targetDb, COUNT_CONCURRENCY + 1)]);
    const heldAt = performance.now();
    const steps = new StepTimer(heldAt);
    // the registry must be switched (and told) before the data planes stop holding
    const deadline = heldAt + this.options.maxPauseMs * 0.8;
    const left = () => deadline - performance.now();
    hooks.hold(move.tenantId, move.target);
    let snapshot: HeldTransaction | undefined;
    try {
      // A short grace for the data planes to hear of the hold (NOTIFY: a few ms to tens of ms
      // on a loaded machine). Not needed for correctness: the lock waits for the writes under
      // way, and a write that reaches the source after it fails there when its rights are
      // taken and is run again on the target by the data plane; but each that does waits a
      // little longer than a held one.
      await sleep(Math.min(HOLD_GRACE_MS, this.options.maxPauseMs / 20));
      steps.lap('hold');
      await ctx.sourceDb.transaction().execute(async (trx) => {
        const { pid, fastDeadlockCheck } = await this.sql.prepareLock(trx, left());
        ctx.sourceSuperuser = fastDeadlockCheck;
        // a lock that waits: who holds it back, for the move's record (an autovacuum, a long transaction)
        const probe = setTimeout(() => void this.sql.blockersOf(source.admin, pid).then((who) => steps.blockedBy(who), () => undefined), LOCK_PROBE_MS);
        try {
          await this.sql.lockForWrites(trx, ctx.tables);
        } catch (error) {
          if ((error as { code?: string }).code === '55P03') throw new Abandoned('its tables stayed locked by other sessions', steps.lap('lock'));
          throw error;
        } finally {
          clearTimeout(probe);
        }
        // every write to the tables is committed before this position (and none comes after it)
        const lsn = await this.sql.currentWalLsn(trx);
        steps.lap('lock');
        for (;;) {
          const { confirmed, lagBytes } = await this.sql.confirmedUpTo(source.admin, name, lsn);
          if (confirmed) break;
          if (left() <= 0) throw new Abandoned(`the target had not confirmed the source's last writes in time (${lagBytes ?? '?'} bytes behind)`, steps.lap('confirm'));
          await sleep(5);
        }
        steps.lap('confirm');
        await this.sql.setSequences(targetDb, await this.sql.sequenceValues(trx, ctx.sequences));
        // the target as of the cut-over, for the checksums (its first statement takes the snapshot)
        snapshot = await holdTransaction(targetDb);
        steps.lap('sequences');
        // Neither copy can change now (the source's writes wait for this lock, the target has
        // everything up to its last one and no login yet): each table counted on both servers
        // at once, a few at a time, on connections of their own.
        const [sourceRows, targetRows] = await Promise.all([this.countRows(ctx.sourceDb, ctx.tables), this.countRows(targetDb, ctx.tables)]);
        steps.lap('counts');
        const differ = Object.keys(sourceRows).filter((t) => sourceRows[t] !== targetRows[t]);
        if (differ.length) throw new Abandoned(`row counts differ: ${differ.map((t) => `${t} ${sourceRows[t]} on the source, ${targetRows[t]} on the target`).join('; ')}`, steps.result());
        if (left() <= 0) throw new Abandoned('the pause limit was reached', steps.result());
        // the target's login on, and the source's rights taken (a write that waited for the lock
        // fails now instead of landing on the old copy), at once
        await Promise.all([target.storage.setLogin(target.admin, move.roleName, true), this.sql.revokeTables(trx, move.roleName, ctx.tables)]);
        ctx.rows = Object.values(sourceRows).reduce((a, b) => a + b, 0);
      });
      steps.lap('revoke');
      // test hook: the source has stopped the tenant's writes, the registry has not switched yet
      await failpoint(this.options.failpoints, 'cut_over_switch');
      try {
        await this.registry.transaction().execute(async (trx) => {
          await new TenantRepository(trx).setServer(move.tenantId, move.target);
          await new MoveRepository(trx).markSwitched(move.id);
        });
      } catch (error) {
        // the registry did not take the switch: the source serves again
        await source.storage.grantAccess(move.databaseName, move.roleName, ctx.attached).catch(() => undefined);
        throw error;
      }
      steps.lap('switch');
    } catch (error) {
      await snapshot?.end();
      hooks.release(move.tenantId, false);
      throw error;
    }
    ctx.switched = true;
    ctx.snapshot = snapshot;
    ctx.pauseMs = performance.now() - heldAt;
    hooks.release(move.tenantId, true);
    steps.lap('release');
    return steps.result();
  }

  /** Each table's row count, COUNT_CONCURRENCY tables at a time (each on a connection of `db`'s pool). */
  private async countRows(db: Kysely<unknown>, tables: readonly TableFacts[]): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    // the largest first, so the slowest count does not start last
    const queue = [...tables].sort((a, b) => b.estimatedRows - a.estimatedRows);
    await Promise.all(
      Array.from({ length: Math.min(COUNT_CONCURRENCY, queue.length) }, async () => {
        for (let t = queue.shift(); t; t = queue.shift()) out[tableName(t)] = await this.sql.rowCount(db, t);
      }),
    );
    return out;
  }

  /** After the registry switch: verify, clean up, done (a checksum mismatch fails loudly and keeps the source copy). */
  private async finishAfterSwitch(ctx: MoveContext, hooks: MoveHooks, started: number, earlier?: unknown): Promise<MoveResult> {
    const moves = new MoveRepository(this.registry);
    let mismatch: string[] = [];
    if (!earlier) {
      try {
        await this.phase(ctx, 'verify', hooks, async () => {
          mismatch = await this.verify(ctx);
          return mismatch.length ? { mismatch } : { tables: ctx.tables.length };
        });
      } catch (error) {
        earlier = error; // not compared: the clean-up still runs, the move says so
      }
    }
    try {
      await this.phase(ctx, 'clean_up', hooks, () => this.cleanUp(ctx));
    } catch (error) {
      throw new MoveFailed(
        `Tenant "${ctx.move.tenantId}" is served from "${ctx.move.target}" now, but the move's clean-up failed (${(error as Error).message}); run \`kryonix tenant repair ${ctx.move.tenantId}\` to finish it (the control plane's worker also does, once the servers answer).`,
        { move: ctx.move.id },
      );
    }
    if (mismatch.length) {
      await moves.finish(ctx.move.id, { phase: 'failed', error: `checksums differ: ${mismatch.join(', ')}`, keepMs: null });
      throw new MoveFailed(
        `Tenant "${ctx.move.tenantId}" was moved to "${ctx.move.target}" but the checksums of ${mismatch.join(', ')} differ from the source's; the source copy on "${ctx.move.source}" is kept (no purge) for a move back.`,
        { move: ctx.move.id, tables: mismatch },
      );
    }
    await moves.finish(ctx.move.id, { phase: 'done', keepMs: this.options.keepMs, ...(earlier ? { error: `not verified: ${(earlier as Error).message}` } : {}) });
    return this.result(ctx, started);
  }

  /** Per-table checksums: the target as of the cut-over (its held snapshot) against the source (whose writes stopped there). Returns the tables that differ. */
  private async verify(ctx: MoveContext): Promise<string[]> {
    const snapshot = ctx.snapshot;
    if (!snapshot) throw new Error('no snapshot of the target at the cut-over');
    const targetSums = await this.sql.checksums(snapshot.trx, ctx.tables);
    await snapshot.end();
    ctx.snapshot = undefined;
    const sourceSums = await ctx.sourceDb.transaction().execute((trx) => this.sql.checksums(trx, ctx.tables));
    const mismatch = Object.keys(sourceSums).filter((t) => sourceSums[t] !== targetSums[t]);
    ctx.verified = mismatch.length === 0;
    await new MoveRepository(this.registry).setVerified(ctx.move.id, ctx.verified, { checksums: sourceSums });
    return mismatch;
  }

  /** Subscription (and its slots), publication and the move's role dropped; the tenant role's access to the source copy taken. */
  private async cleanUp(ctx: MoveContext): Promise<Record<string, unknown>> {
    const { source, move } = ctx;
    // the target's subscription goes even while the source is away; the source's part waits for it (the worker or a repair)
    const away = new ServerParts();
    await away.run(move.target, () => this.dropSubscription(ctx));
    await away.run(move.source, async () => {
      await this.dropSourceReplication(ctx);
      await source.storage.revokeAccess(source.admin, move.databaseName, move.roleName, move.schemas);
      if (await source.storage.roleExists(source.admin, move.roleName)) await source.storage.setLogin(source.admin, move.roleName, false);
    });
    if (away.servers.length) throw new Error(`what it made on ${away.describe()} is left until that server answers again`);
    return { sourceKeptFor: `${Math.round(this.options.keepMs / 1000)} s` };
  }

  /** The move's subscription on the target (without its slot when the source does not answer: that one goes with the source's part). */
  private async dropSubscription(ctx: MoveContext): Promise<void> {
    const { move, name } = ctx;
    const targetDb = (await ctx.target.storage.databaseExists(ctx.target.admin, move.databaseName)) ? this.targetDb(ctx) : undefined;
    if (targetDb) {
      try {
        await this.sql.dropSubscription(targetDb, name, true);
      } catch (error) {
        // the source does not answer: the subscription goes without its slot, dropped below (or by a later repair)
        await this.sql.dropSubscription(targetDb, name, false);
        if (!isServerAway(error) && !/could not connect|connection to server/i.test((error as Error).message)) throw error;
      }
    }
  }

  /** The move's slots (its subscription's and the copy's), publication and replication role on the source. */
  private async dropSourceReplication(ctx: MoveContext): Promise<void> {
    const { source, move, name } = ctx;
    await this.sql.dropSlots(source.admin, await this.sql.slots(source.admin, name, ctx.move.subscriptionOid));
    await this.sql.dropPublication(ctx.sourceDb, name);
    if (await source.storage.roleExists(source.admin, name)) {
      await this.sql.terminateSessions(source.admin, name);
      await source.storage.dropRole(source.admin, name, [move.databaseName]);
    }
  }

  /** Before the switch: everything undone, the tenant served from the source as before. */
  private async rollBack(ctx: MoveContext, hooks: MoveHooks, cause: unknown): Promise<void> {
    const moves = new MoveRepository(this.registry);
    const { move, source, target } = ctx;
    await moves.setPhase(move.id, 'rolling_back');
    const started = performance.now();
    // each server's part on its own: one that does not answer keeps its part (the move stays rolling_back) and the other's is done now
    const away = new ServerParts();
    try {
      await ctx.snapshot?.end();
      ctx.snapshot = undefined;
      await away.run(move.target, async () => {
        await this.dropSubscription(ctx);
        if (!move.details.targetClaimed) return;
        if (move.mode === 'database') {
          if (ctx.targetDb) await target.connector.release(move.databaseName);
          ctx.targetDb = undefined;
          await target.storage.dropDatabase(target.admin, move.databaseName);
          await target.storage.dropRole(target.admin, move.roleName, []);
        } else {
          await target.storage.dropSchemas(SHARED_TENANTS_DATABASE, move.schemas);
          await target.storage.dropRole(target.admin, move.roleName, [SHARED_TENANTS_DATABASE]);
        }
      });
      await away.run(move.source, async () => {
        await this.dropSourceReplication(ctx);
        // a cut-over that stopped between its commit on the source and the registry's
        await source.storage.grantAccess(move.databaseName, move.roleName, ctx.attached);
      });
    } catch (error) {
      // left in rolling_back: `kryonix tenant repair` tries again
      hooks.onPhase?.({ step: 'roll_back', status: 'undo_falhou', durationMs: performance.now() - started, error: (error as Error).message });
      throw new MoveFailed(`The move of tenant "${move.tenantId}" failed (${(cause as Error).message}) and its roll-back did too (${(error as Error).message}); it is served from "${move.source}". Run \`kryonix tenant repair ${move.tenantId}\` to clean up.`, { move: move.id });
    }
    if (away.servers.length) {
      const servers = away.servers;
      hooks.onPhase?.({ step: 'roll_back', status: 'undo_falhou', durationMs: performance.now() - started, error: `waits for ${servers.map((s) => `"${s}"`).join(' and ')}` });
      await moves.setPhase(move.id, 'rolling_back', { details: { rollBackWaitsFor: servers, rollBackCause: (cause as Error).message ?? String(cause) } });
      const sourceAway = servers.includes(move.source);
      throw new MoveFailed(
        `The move of tenant "${move.tenantId}" failed (${(cause as Error).message}). What it made on ${away.describe()} is dropped once that server answers again, by \`kryonix tenant repair ${move.tenantId}\` or by the control plane's worker${servers.length < 2 ? '; the rest is rolled back' : ''}. The tenant stays on "${move.source}"${sourceAway ? ', served again as soon as that server is back' : ' and is served from there as before'}.`,
        { move: move.id, waitingFor: servers },
      );
    }
    await moves.finish(move.id, { phase: 'failed', error: `rolled back: ${(cause as Error).message ?? String(cause)}` });
    hooks.onPhase?.({ step: 'roll_back', status: 'desfeito', durationMs: performance.now() - started });
  }

  // ---- plumbing -------------------------------------------------------------------

  private async context(move: MoveRecord, options: { sourceMayBeAway?: boolean } = {}): Promise<MoveContext> {
    const [source, target] = await Promise.all([this.servers.get(move.source), this.servers.get(move.target)]);
    const tenant = await new TenantRepository(this.registry).findById(move.tenantId);
    const sourceDb = source.connector.db(move.databaseName);
    const [tables, sequences] = await Promise.all([this.sql.tables(sourceDb, move.schemas), this.sql.sequences(sourceDb, move.schemas)]).catch((error: unknown) => {
      if (options.sourceMayBeAway && isServerAway(error)) return [[], []] as const;
      throw error;
    });
    return {
      move,
      source,
      target,
      sourceDb,
      attached: (tenant?.modules ?? []).map((m) => tenantSchemaName(move.tenantId, move.mode, m)),
      tables: [...tables],
      sequences: [...sequences],
      name: moveObjectName(move.id),
      switched: false,
      phases: [],
      attempts: move.attempts,
      pauseMs: null,
      rows: null,
      verified: null,
    };
  }

  private targetDb(ctx: MoveContext): Kysely<unknown> {
    ctx.targetDb ??= ctx.target.connector.db(ctx.move.databaseName);
    return ctx.targetDb;
  }

  /** A database-mode tenant's pools are closed once the move is over (its database may be dropped or purged later). */
  private async release(ctx: MoveContext): Promise<void> {
    if (ctx.move.mode !== 'database') return;
    await ctx.source.connector.release(ctx.move.databaseName).catch(() => undefined);
    await ctx.target.connector.release(ctx.move.databaseName).catch(() => undefined);
  }

  /** libpq's key='value' form: the source's replication URL, the tenant's database, the move's role. */
  private async conninfo(move: MoveRecord, role: string, password: string): Promise<string> {
    // connect_timeout: a source cut off the network fails the target's connects (and a DROP SUBSCRIPTION's) in seconds, not the kernel's minutes
    return peerConninfo(this.directory.replicationUrl(await this.directory.record(move.source)), { dbname: move.databaseName, user: role, password, connect_timeout: '10' });
  }

  /**
   * Before anything of a move is made: the target itself connects to the source at the
   * address its subscription will use (the source's replication URL, else its admin URL),
   * with a probe subscription that is rolled back (ReplicationRepository.probeSubscription).
   * It logs in as a role that does not exist with a throwaway password, so no secret is ever
   * in the statement (a server logs a failed statement's text): the source's answer, "role
   * does not exist" or "password authentication failed", shows that it was reached and that
   * its pg_hba.conf lets the target in for the tenant's database. Unreachable: UNAVAILABLE;
   * reached but refused (pg_hba.conf, not the tenant's server): SERVER_UNFIT. Each names both
   * servers and the address, never a password.
   */
  async checkPeer(move: Pick<MoveRecord, 'source' | 'target' | 'databaseName'>, timeoutMs: number): Promise<void> {
    const url = new URL(this.directory.replicationUrl(await this.directory.record(move.source)));
    const address = `${url.hostname}:${url.port || '5432'}`;
    const name = `kryonix_move_probe_${randomBytes(6).toString('hex')}`;
    const conninfo = peerConninfo(url.toString(), { dbname: move.databaseName, user: name, password: generatePassword(), connect_timeout: String(Math.max(2, Math.ceil(timeoutMs / 1000))) });
    const target = await this.servers.get(move.target);
    const advice = `give "${move.source}" a replication URL that "${move.target}" can reach (kryonix server add … --replication-url); nothing was moved.`;
    try {
      await this.sql.probeSubscription(target.admin, name, conninfo, timeoutMs + 1_000);
      return;
    } catch (error) {
      // its first line (libpq's hints follow on others)
      const message = ((error as Error).message ?? String(error)).split('\n')[0]!.replace(/\s+/g, ' ').trim();
      const code = (error as { code?: string }).code;
      const why = message.replace(/^could not connect to the publisher: /, '').replace(/connection to server at "[^"]*" \([^)]*\), port \d+ failed: /, '').replace(/FATAL: +/, '');
      if (code === '57014') {
        throw new Unavailable(`Server "${move.target}" got no answer from server "${move.source}" at ${address} within ${timeoutMs} ms for a move's copy: ${advice}`, { server: move.source, address });
      }
      if (!/could not connect to the publisher/i.test(message)) {
        // the target itself went away meanwhile, or refuses the subscription
        if (isServerAway(error)) throw new Unavailable(`Cannot reach server "${move.target}" (${connectFault(error).reason}); nothing was moved.`, { server: move.target });
        throw new ServerUnfit(move.target, `Server "${move.target}" cannot subscribe to server "${move.source}" for a move's copy (${why}); nothing was moved.`, { address });
      }
      // the source answered as PostgreSQL: it turned away a role it does not know, as it should
      if (/password authentication failed|role "[^"]*" does not exist|authentication failed/i.test(why)) return;
      // PostgreSQL 16+: the source let the probe in without asking a password, which a subscription of a non-superuser may not use
      if (/password is required/i.test(why)) {
        throw new ServerUnfit(move.source, `Server "${move.source}" at ${address} lets server "${move.target}" in without a password, and "${move.target}"'s subscriptions must use one (its admin role is no superuser): make pg_hba.conf ask for scram-sha-256 there; nothing was moved.`, { address });
      }
      if (/pg_hba\.conf/i.test(why)) {
        throw new ServerUnfit(move.source, `Server "${move.source}" at ${address} does not let server "${move.target}" in for a move's copy (${why}): allow it in pg_hba.conf (any user, database ${move.databaseName}, scram-sha-256); nothing was moved.`, { address });
      }
      if (/database "[^"]*" does not exist/i.test(why)) {
        throw new ServerUnfit(move.source, `The PostgreSQL that server "${move.target}" reaches at ${address} has no database ${move.databaseName}: it is not server "${move.source}"; ${advice}`, { address });
      }
      throw new Unavailable(`Server "${move.target}" cannot reach server "${move.source}" at ${address} for a move's copy (${why}): ${advice}`, { server: move.source, address });
    }
  }

  private async result(ctx: MoveContext, started: number): Promise<MoveResult> {
    const record = await new MoveRepository(this.registry).find(ctx.move.id);
    return {
      id: ctx.move.id,
      tenant: ctx.move.tenantId,
      source: ctx.move.source,
      target: ctx.move.target,
      mode: ctx.move.mode,
      outcome: ctx.switched ? 'moved' : 'rolled_back',
      attempts: ctx.attempts,
      pauseMs: ctx.pauseMs === null ? null : Math.round(ctx.pauseMs),
      tables: ctx.tables.length,
      rows: ctx.rows,
      verified: ctx.verified,
      sourceKeptUntil: record?.sourcePurgeAfter ?? null,
      phases: ctx.phases.map((p) => ({ phase: p.phase, durationMs: Math.round(p.durationMs) })),
      cutOverSteps: ((record?.details.cut_over as { steps?: CutOverSteps } | undefined)?.steps ?? null),
      durationMs: Math.round(performance.now() - started),
    };
  }
}

/** A clean-up done server by server: one that does not answer keeps its part for later (the others' are done now); any other error is thrown. */
class ServerParts {
  private readonly away: Array<{ server: string; reason: string }> = [];

  get servers(): string[] {
    return this.away.map((a) => a.server);
  }

  async run(server: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (!isServerAway(error)) throw error;
      this.away.push({ server, reason: connectFault(error).reason });
    }
  }

  /** `"pg-a" (which cannot be reached now: ECONNREFUSED)`, joined with "and". */
  describe(): string {
    return this.away.map((a) => `"${a.server}" (which cannot be reached now: ${a.reason})`).join(' and ');
  }
}

/** During a copy: the servers of the move that did not answer, and since when; one that stays away for `limitMs` stops the move. */
class AwayServers {
  private readonly since = new Map<string, number>();

  constructor(
    private readonly ctx: MoveContext,
    private readonly limitMs: number,
  ) {}

  has(server: string): boolean {
    return this.since.has(server);
  }

  /** What `read` returned (as `{ value }`, so a read that returns nothing still counts as an answer), or undefined while `server` does not answer (MoveFailed naming it once that has lasted `limitMs`). */
  async answer<R>(server: string, read: () => Promise<R>): Promise<{ value: R } | undefined> {
    try {
      const value = await read();
      this.since.delete(server);
      return { value };
    } catch (error) {
      if (!isServerAway(error)) throw error;
      const since = this.since.get(server) ?? performance.now();
      this.since.set(server, since);
      if (performance.now() - since < this.limitMs) return undefined;
      const { move } = this.ctx;
      throw new MoveFailed(
        `The copy of tenant "${move.tenantId}" to "${move.target}" was stopped: server "${server}" (${server === move.source ? 'its source' : 'its target'}) cannot be reached (${connectFault(error).reason}) for ${Math.round(this.limitMs / 100) / 10} s; nothing was moved`,
        { move: move.id, server },
      );
    }
  }
}

/** libpq's key='value' form of a connection to `url`'s host and port (and its sslmode, sslrootcert) with `params`. */
export function peerConninfo(url: string, params: Record<string, string>): string {
  const parsed = new URL(url);
  const quote = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const all: Record<string, string> = { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: parsed.port || '5432', ...params };
  for (const key of ['sslmode', 'sslrootcert']) {
    const value = parsed.searchParams.get(key);
    if (value) all[key] = value;
  }
  return Object.entries(all)
    .map(([k, v]) => `${k}=${quote(v)}`)
    .join(' ');
}

/** The target must not hold the tenant's database, schemas or role already (made by something else: never adopted or dropped). */
export async function refuseTakenStorage(target: TenantServer, move: Pick<MoveRecord, 'tenantId' | 'target' | 'mode' | 'databaseName' | 'schemas' | 'roleName'>): Promise<void> {
  const taken: string[] = [];
  if (move.mode === 'database') {
    if (await target.storage.databaseExists(target.admin, move.databaseName)) taken.push(`database ${move.databaseName}`);
  } else if (await target.storage.databaseExists(target.admin, SHARED_TENANTS_DATABASE)) {
    taken.push(...(await target.storage.existingSchemasIn(SHARED_TENANTS_DATABASE, move.schemas)).map((s) => `schema ${s}`));
  }
  if (await target.storage.roleExists(target.admin, move.roleName)) taken.push(`role ${move.roleName}`);
  if (taken.length) throw new ServerUnfit(move.target, `Server "${move.target}" already has ${taken.join(', ')} that no tenant there owns; drop them (or rename them) before moving "${move.tenantId}" there.`);
}

/** Tables of the source that the target lacks, or whose columns differ (and the target's extra ones). */
function differentTables(source: readonly TableFacts[], target: readonly TableFacts[]): string[] {
  const made = new Map(target.map((t) => [tableName(t), t.columns]));
  const out = source.filter((t) => made.get(tableName(t)) !== t.columns).map(tableName);
  const wanted = new Set(source.map(tableName));
  return [...out, ...target.filter((t) => !wanted.has(tableName(t))).map((t) => `${tableName(t)} (not on the source)`)];
}

/** A failed move as the caller sees it: its own domain error, else MoveFailed saying the tenant stayed on the source. */
function failure(ctx: MoveContext, error: unknown): Error {
  if (error instanceof KryonixError) return error;
  return new MoveFailed(`The move of tenant "${ctx.move.tenantId}" to "${ctx.move.target}" failed (${(error as Error).message}); everything was rolled back and it is served from "${ctx.move.source}" as before.`, { move: ctx.move.id });
}

/** A REPEATABLE READ transaction kept open until end(), its snapshot taken now. */
async function holdTransaction(db: Kysely<unknown>): Promise<HeldTransaction> {
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let ready!: (trx: Kysely<unknown>) => void;
  const opened = new Promise<Kysely<unknown>>((resolve) => (ready = resolve));
  const done = db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      ready(trx);
      await finished;
    });
  const trx = await Promise.race([opened, done.then(() => Promise.reject(new Error('the transaction ended before it was used')))]);
  await new ReplicationRepository().takeSnapshot(trx);
  return {
    trx,
    end: async () => {
      finish();
      await done.catch(() => undefined);
    },
  };
}

export type { TableRef };
