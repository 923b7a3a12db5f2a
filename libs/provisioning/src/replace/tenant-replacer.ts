import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import { type IsolationMode, ReplaceNameTaken, SHARED_TENANTS_DATABASE, assertSafeIdentifier, tenantSchemaName } from '@kryonix/domain';
import type { ModuleDefinition } from '@kryonix/modules';
import { type AppliedMigration, JobRepository, ModuleLedgerRepository, ProvisioningLogRepository, type RegistryDatabase, type TenantRecord, TenantRepository } from '@kryonix/registry';
import { type FailpointAction, type StepEvent, failpoint } from '../plan';
import type { TenantServer } from '../tenant-servers';

/** The durable job that drops a replaced copy once KRYONIX_DELETE_GRACE is over. */
export const PURGE_REPLACED_COPY_JOB = 'purge_replaced_copy';

/** What a replace kept of the tenant it replaced (no access left): the purge job's payload. */
export interface ReplacedCopy {
  id: string;
  server: string;
  mode: IsolationMode;
  /** Database mode: the renamed database. */
  database?: string;
  /** Schema mode: the renamed schemas in the shared database. */
  schemas: string[];
}

/** Every name of one replace, decided up front and written in its `inicio_replace` log row (a crash is settled from it alone). */
export interface ReplacePlan {
  id: string;
  role: string;
  mode: IsolationMode;
  server: string;
  /** The live database (database mode) or the shared one (schema mode). */
  database: string;
  /** Database mode: where the backup is restored, then renamed `database`. */
  incomingDatabase: string;
  /** Database mode: what the replaced database is renamed to. */
  keptDatabase: string;
  /** Per module of either side: its live schema, the incoming copy's (a module of the backup), the kept name. */
  schemas: Array<{ module: string; live: string; incoming?: string; kept: string }>;
  /** The backup's modules: the tenant's afterwards. */
  modules: string[];
  /** The ledger afterwards: the backup's migrations and the newer ones applied. */
  ledger: AppliedMigration[];
  keepMs: number;
}

const INCOMING = /^kryonix_replace_[0-9a-f]{8}$|^kxr_[0-9a-f]{8}_[a-z0-9_]+$/;
const KEPT = /^kryonix_replaced_[0-9a-f]{8}$|^kxk_[0-9a-f]{8}_[a-z0-9_]+$/;

/** A name a replace made: only those are ever dropped by its undo or its purge. */
export function assertReplaceName(name: string, kind: 'incoming' | 'kept'): string {
  if (!(kind === 'incoming' ? INCOMING : KEPT).test(assertSafeIdentifier(name))) throw new Error(`"${name}" is not a name a replace makes (${kind}).`);
  return name;
}

/** PostgreSQL's "already exists" of a database or schema (one made meanwhile by someone else) as the typed refusal. */
function nameTaken(id: string, error: unknown): ReplaceNameTaken | undefined {
  const { code, message } = error as { code?: string; message?: string };
  if (code !== '42P04' && code !== '42P06') return undefined;
  const name = /"([^"]+)"/.exec(message ?? '')?.[1] ?? '(unnamed)';
  return new ReplaceNameTaken(id, [`${code === '42P04' ? 'database' : 'schema'} "${name}"`]);
}

/**
 * `restore --replace`: the backup is restored beside the tenant (new names on its server),
 * then swapped in by renames in one transaction, and the registry (modules, ledger, the
 * purge of the replaced copy) recorded after it. The tenant's id, role (and its password),
 * registry row and API keys are never touched, so its apps keep working. The swap's commit
 * is the point of no return: a failure before it drops the incoming copy and leaves the
 * tenant as it was; after it, the registry is recorded, now or by `repair` (`recover`).
 */
export class TenantReplacer {
  constructor(
    private readonly failpoints?: ReadonlyMap<string, FailpointAction>,
    /** The part of the names that makes them a replace's own (8 hex digits; fixed in tests). */
    private readonly newToken: () => string = () => randomBytes(4).toString('hex'),
  ) {}

  plan(tenant: TenantRecord, atBackup: readonly ModuleDefinition[], current: readonly ModuleDefinition[], keepMs: number): ReplacePlan {
    const token = this.newToken();
    const schema = tenant.mode === 'schema';
    const modules = atBackup.map((m) => m.name);
    const all = [...new Set([...modules, ...tenant.modules])];
    return {
      id: tenant.id,
      role: tenant.roleName,
      mode: tenant.mode,
      server: tenant.serverName,
      database: tenant.databaseName,
      incomingDatabase: schema ? SHARED_TENANTS_DATABASE : `kryonix_replace_${token}`,
      keptDatabase: schema ? SHARED_TENANTS_DATABASE : `kryonix_replaced_${token}`,
      schemas: all.map((module) => ({
        module,
        live: tenantSchemaName(tenant.id, tenant.mode, module),
        ...(modules.includes(module) ? { incoming: schema ? `kxr_${token}_${module}` : module } : {}),
        kept: schema ? `kxk_${token}_${module}` : module,
      })),
      modules,
      ledger: atBackup.flatMap((m) => {
        const newer = current.find((c) => c.name === m.name)?.migrations.filter((x) => x.version > m.version) ?? [];
        return [...m.migrations, ...newer].map((x) => ({ module: m.name, version: x.version, name: x.name, checksum: x.checksum }));
      }),
      keepMs,
    };
  }

  /**
   * Runs a replace under the tenant's lock (`admin`). `load` fills the incoming copy and
   * checks it against the backup. Steps: replace_prepare, replace_swap, replace_record.
   */
  async replace<R extends Record<string, unknown>>(
    admin: Kysely<RegistryDatabase>,
    server: TenantServer,
    plan: ReplacePlan,
    atBackup: readonly ModuleDefinition[],
    current: readonly ModuleDefinition[],
    load: (target: { database: string; schemaOf: (module: string) => string }) => Promise<R>,
    onStep?: (event: StepEvent) => void,
  ): Promise<R> {
    // before anything is made or logged: a name taken is a clear refusal, not PostgreSQL's "already exists" half-way
    await this.refuseTakenNames(server, plan);
    const log = new ProvisioningLogRepository(admin);
    const runId = randomUUID();
    await log.append({ tenantId: plan.id, runId, action: 'inicio_replace', status: 'em_progresso', details: { replace: plan } });
    let swapped = false;
    try {
      const loaded = await this.step(log, runId, plan.id, 'replace_prepare', onStep, () => this.prepare(server, plan, atBackup, current, load));
      await this.step(log, runId, plan.id, 'replace_swap', onStep, async () => {
        await this.swap(server, plan);
        swapped = true;
        return {};
      });
      await failpoint(this.failpoints, 'replace_swapped');
      await this.step(log, runId, plan.id, 'replace_record', onStep, () => this.record(admin, plan, runId));
      return loaded;
    } catch (error) {
      // after the swap's commit the tenant is the backup's: repair records it (see recover)
      if (!swapped) {
        await this.rollBack(server, plan);
        await log.append({ tenantId: plan.id, runId, action: 'replace_desfeito', status: 'desfeito', details: { error: (error as Error).message } }).catch(() => undefined);
      }
      throw nameTaken(plan.id, error) ?? error;
    }
  }

  /** The incoming copy's names and those the replaced copy takes must be free on the tenant's server. */
  private async refuseTakenNames(server: TenantServer, plan: ReplacePlan): Promise<void> {
    let taken: string[];
    if (plan.mode === 'database') {
      const names = [assertReplaceName(plan.incomingDatabase, 'incoming'), assertReplaceName(plan.keptDatabase, 'kept')];
      const exists = await Promise.all(names.map((d) => server.storage.databaseExists(server.admin, d)));
      taken = names.filter((_, i) => exists[i]).map((d) => `database "${d}"`);
    } else {
      const names = plan.schemas.flatMap((s) => [...(s.incoming ? [assertReplaceName(s.incoming, 'incoming')] : []), assertReplaceName(s.kept, 'kept')]);
      taken = (await server.storage.existingSchemasIn(SHARED_TENANTS_DATABASE, names)).map((n) => `schema "${n}"`);
    }
    if (taken.length) throw new ReplaceNameTaken(plan.id, taken);
  }

  /**
   * Settles a replace cut short (crash, kill -9) from its log row: swapped (the incoming
   * copy is gone under its own names, after it was prepared) → the registry is recorded;
   * else the incoming copy is dropped and the tenant is as it was.
   */
  async recover(admin: Kysely<RegistryDatabase>, server: TenantServer, id: string): Promise<'finished' | 'rolled_back' | undefined> {
    const log = new ProvisioningLogRepository(admin);
    const open = await log.unfinishedReplace(id);
    if (!open) return undefined;
    const plan = open.details['replace'] as ReplacePlan;
    const prepared = (await log.listFor(id)).some((r) => r.runId === open.runId && r.action === 'replace_prepare' && r.status === 'sucesso');
    if (prepared && !(await this.incomingExists(server, plan))) {
      await this.record(admin, plan, open.runId);
      return 'finished';
    }
    await this.rollBack(server, plan);
    await log.append({ tenantId: id, runId: open.runId, action: 'replace_desfeito', status: 'desfeito', details: { reason: 'a replace cut short before its swap is undone' } });
    return 'rolled_back';
  }

  /** The backup restored beside the tenant at its module versions, loaded and checked, then migrated to the catalog's. */
  private async prepare<R>(server: TenantServer, plan: ReplacePlan, atBackup: readonly ModuleDefinition[], current: readonly ModuleDefinition[], load: (target: { database: string; schemaOf: (module: string) => string }) => Promise<R>): Promise<R> {
    const { admin, storage } = server;
    const incoming = plan.schemas.filter((s) => s.incoming).map((s) => ({ module: atBackup.find((m) => m.name === s.module)!, schema: s.incoming! }));
    if (plan.mode === 'database') {
      const template = await storage.ensureTemplate(admin, atBackup);
      await storage.ensureDatabase(admin, assertReplaceName(plan.incomingDatabase, 'incoming'), template);
    } else {
      await storage.ensureSharedTenantsDatabase(admin);
      await storage.createModuleSchemas(SHARED_TENANTS_DATABASE, incoming.map((s) => ({ ...s, schema: assertReplaceName(s.schema, 'incoming') })), plan.role);
    }
    await storage.grantAccess(plan.incomingDatabase, plan.role, incoming.map((s) => s.schema));
    const schemaOf = (module: string) => plan.schemas.find((s) => s.module === module)!.incoming!;
    const loaded = await load({ database: plan.incomingDatabase, schemaOf });
    const steps = incoming
      .map((s) => ({ schema: s.schema, module: s.module.name, migrations: current.find((c) => c.name === s.module.name)?.migrations.filter((m) => m.version > s.module.version) ?? [] }))
      .filter((s) => s.migrations.length);
    if (steps.length) await storage.applyMigrations(plan.incomingDatabase, plan.role, steps);
    return loaded;
  }

  /** The renames, in one transaction; the replace_swap failpoint fires inside it, before its commit. */
  private async swap(server: TenantServer, plan: ReplacePlan): Promise<void> {
    const beforeCommit = () => failpoint(this.failpoints, 'replace_swap');
    if (plan.mode === 'schema') return server.storage.swapSchemas(plan.role, plan.schemas, beforeCommit);
    const liveExists = await server.storage.databaseExists(server.admin, plan.database);
    for (let attempt = 1; ; attempt++) {
      await server.storage.endSessions(server.admin, [plan.database, plan.incomingDatabase]);
      try {
        return await server.storage.swapDatabases(server.admin, { live: plan.database, incoming: plan.incomingDatabase, kept: assertReplaceName(plan.keptDatabase, 'kept'), role: plan.role, liveExists }, beforeCommit);
      } catch (error) {
        // 55006: a session reached the database between its end and the rename
        if ((error as { code?: string }).code !== '55006' || attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }

  /** The registry after the swap, in one transaction: the backup's modules and ledger, the replaced copy's purge, the run's end. */
  private async record(admin: Kysely<RegistryDatabase>, plan: ReplacePlan, runId: string): Promise<Record<string, unknown>> {
    const copy: ReplacedCopy = {
      id: plan.id,
      server: plan.server,
      mode: plan.mode,
      ...(plan.mode === 'database' ? { database: plan.keptDatabase } : {}),
      schemas: plan.mode === 'schema' ? plan.schemas.map((s) => s.kept) : [],
    };
    await admin.transaction().execute(async (trx) => {
      await new TenantRepository(trx).setModules(plan.id, plan.modules);
      const ledger = new ModuleLedgerRepository(trx);
      await ledger.deleteFor(plan.id);
      await ledger.record(plan.id, plan.ledger);
      await new JobRepository(trx).enqueue({ id: randomUUID(), kind: PURGE_REPLACED_COPY_JOB, tenantId: plan.id, payload: { ...copy }, runAfterMs: plan.keepMs });
      await new ProvisioningLogRepository(trx).append({ tenantId: plan.id, runId, action: 'processo_completo', status: 'sucesso', details: { kind: 'replace', kept: copy } });
    });
    return { kept: copy, purgeInMs: plan.keepMs };
  }

  /** Drops the incoming copy (never anything else: only names a replace makes). */
  private async rollBack(server: TenantServer, plan: ReplacePlan): Promise<void> {
    if (plan.mode === 'database') await server.storage.dropDatabase(server.admin, assertReplaceName(plan.incomingDatabase, 'incoming'));
    else await server.storage.dropSchemas(SHARED_TENANTS_DATABASE, plan.schemas.flatMap((s) => (s.incoming ? [assertReplaceName(s.incoming, 'incoming')] : [])));
  }

  private async incomingExists(server: TenantServer, plan: ReplacePlan): Promise<boolean> {
    if (plan.mode === 'database') return server.storage.databaseExists(server.admin, plan.incomingDatabase);
    return (await server.storage.existingSchemasIn(SHARED_TENANTS_DATABASE, plan.schemas.flatMap((s) => (s.incoming ? [s.incoming] : [])))).length > 0;
  }

  private async step<R>(log: ProvisioningLogRepository, runId: string, id: string, name: string, onStep: ((event: StepEvent) => void) | undefined, fn: () => Promise<R>): Promise<R> {
    const started = performance.now();
    try {
      const result = await fn();
      if (name !== 'replace_swap') await failpoint(this.failpoints, name);
      const event: StepEvent = { step: name, status: 'sucesso', durationMs: performance.now() - started };
      onStep?.(event);
      await log.append({ tenantId: id, runId, action: name, status: 'sucesso', durationMs: event.durationMs });
      return result;
    } catch (error) {
      const event: StepEvent = { step: name, status: 'erro', durationMs: performance.now() - started, error: (error as Error).message };
      onStep?.(event);
      await log.append({ tenantId: id, runId, action: name, status: 'erro', details: { error: event.error }, durationMs: event.durationMs }).catch(() => undefined);
      throw error;
    }
  }
}
