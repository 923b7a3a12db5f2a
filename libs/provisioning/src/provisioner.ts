import type { OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Kysely } from 'kysely';
import {
  DEFAULT_SERVER,
  IsolationMode,
  KryonixError,
  MigrationChanged,
  ProvisioningFailed,
  ServerUnfit,
  TenantAlreadyExists,
  TenantNotFound,
  tenantDatabaseName,
  tenantRoleName,
  tenantSchemaName,
  validateIsolationMode,
  parseTagRecord,
  validateServerName,
  validateTenantId,
  validateTenantName,
} from '@kryonix/domain';
import { ModuleCatalog, ModuleDefinition } from '@kryonix/modules';
import { DatabaseConnector, SecretBox, generatePassword } from '@kryonix/platform';
import { ApiKeyRepository, ModuleLedgerRepository, MoveRepository, ProvisioningLogRepository, RegistryDatabase, ServerRecordRepository, TenantRecord, TenantRepository } from '@kryonix/registry';
import { TenantReplacer } from './replace/tenant-replacer';
import { refuseReplace } from './replace/replace-checks';
import { Placement, placeTenant } from './placement';
import { TenantServer, TenantServers } from './tenant-servers';
import { GeneratedFiles } from './generated-files';
import { TenantCertificates } from './tenant-certificates';
import { FailpointAction, PlanFailure, StepEvent, runPlan, undoPlan } from './plan';
import { RestoreSource, RunContext, StepDeps, TenantPlan, createSteps, repairSteps, restoreSteps } from './steps';
import { withTenantLock } from './tenant-lock.repository';

/** Placements a create makes when concurrent creates filled the server it picked (see `placed`). */
const PLACEMENT_ATTEMPTS = 3;
import { TenantStorageRepository } from './tenant-storage.repository';
import { WarmSpares } from './warm-spares/warm-spares';

export interface CreateTenantInput {
  id: unknown;
  name: unknown;
  modules: unknown;
  mode?: unknown;
  /** The server to make it on (`--server`); else placement picks one (see placeTenant). */
  server?: unknown;
  /** Tags the server must have (`--tag k=v`), for placement. */
  tags?: Record<string, string>;
}

export interface ProvisionedTenant {
  id: string;
  name: string;
  mode: IsolationMode;
  /** The PostgreSQL server it lives on. */
  server: string;
  database: string;
  schemas: string[];
  role: string;
  /** Shown once: present when a new key was issued by this run. */
  apiKey?: string;
  url: string;
  modules: string[];
  durationMs: number;
  files: string[];
  /** repair of a restore cut short (crash, kill -9): it was undone, nothing of it is left. */
  rolledBack?: boolean;
}

export interface RestoreInput {
  id: unknown;
  name: unknown;
  mode: unknown;
  server?: unknown;
  /** The modules at the backup's versions (see moduleAtVersion), in dependency order. */
  modules: ModuleDefinition[];
  /** Loads and checks the rows once the storage is made (in load_data). */
  load: RestoreSource['load'];
}

export interface ReplaceInput {
  /** The tenant replaced: it keeps its id, mode, server, role and API keys. */
  id: unknown;
  /** Given with --replace, they must be the tenant's own. */
  mode?: unknown;
  server?: unknown;
  /** The modules at the backup's versions, in dependency order: the tenant's afterwards. */
  modules: ModuleDefinition[];
  /** How long the replaced copy is kept without access before its purge job drops it (KRYONIX_DELETE_GRACE). */
  keepMs: number;
  /** Loads and checks the rows into the incoming copy (`target.schemaOf`: where each module's tables are). */
  load(server: TenantServer, target: { id: string; mode: IsolationMode; database: string; schemaOf: (module: string) => string }): Promise<Record<string, unknown>>;
}

export interface ProvisionOptions {
  onStep?: (event: StepEvent) => void;
  /** The durable job running this create, written in the log so a retry can tell its own work. */
  jobId?: string;
}

export interface ProvisionerDeps {
  registry: Kysely<RegistryDatabase>;
  connector: DatabaseConnector;
  storage: TenantStorageRepository;
  /** Every server's storage SQL and admin connection, by name. */
  servers: TenantServers;
  catalog: ModuleCatalog;
  secrets: SecretBox;
  files: GeneratedFiles;
  certificates: TenantCertificates;
  /** The URL a client uses for a tenant. */
  tenantUrl: (id: string) => string;
  failpoints?: ReadonlyMap<string, FailpointAction>;
  /** How long placement waits for a server's storage figure (KRYONIX_ACQUIRE_TIMEOUT_MS). */
  acquireTimeoutMs?: number;
  /**
   * Warm spares kept per database-mode module set (KRYONIX_WARM_DATABASES): after a
   * create, clones of its template are made in the background up to this count, and the
   * next create of that set renames one instead of cloning. 0 (the default, and a
   * short-lived CLI process's) makes none; spares made by others are still used.
   */
  warmDatabases?: number;
  /** Where a failed background spare is reported (it only costs the next create its speed-up). */
  onBackgroundError?: (error: unknown) => void;
  /** The modules folder: spares are made and taken per folder (see SpareSet). */
  modulesDir?: string;
}

/**
 * Provisions tenants as a plan of idempotent steps with undos, under a
 * per-tenant advisory lock, logging each step in logs_auto_creation.
 */
export class Provisioner implements OnModuleDestroy {
  /** Warm spares per server (each server's spares are made and taken there). */
  private readonly spares = new Map<string, WarmSpares>();
  private readonly stepDeps: StepDeps;
  private readonly replacer: TenantReplacer;

  constructor(private readonly deps: ProvisionerDeps) {
    this.stepDeps = { files: deps.files, certificates: deps.certificates, tenantUrl: deps.tenantUrl };
    this.replacer = new TenantReplacer(deps.failpoints);
  }

  private sparesOf(server: TenantServer): WarmSpares {
    let spares = this.spares.get(server.name);
    if (!spares) {
      spares = new WarmSpares(server.admin as Kysely<RegistryDatabase>, server.connector, server.storage, { wanted: this.deps.warmDatabases ?? 0, modulesDir: this.deps.modulesDir ?? '', onError: this.deps.onBackgroundError });
      this.spares.set(server.name, spares);
    }
    return spares;
  }

  /**
   * Where a new tenant goes: with one server (the single-server installation), that one
   * without a look at anything; else placeTenant over every server's state, tags, tenant
   * count and storage (a server that does not answer in time counts as of unknown storage).
   */
  private async place(input: { server?: string; tags?: Record<string, string> }): Promise<Placement> {
    const records = new ServerRecordRepository(this.deps.registry);
    const servers = await records.list();
    const wanted = { ...(input.server ? { server: input.server } : {}), ...(input.tags ? { tags: input.tags } : {}) };
    if (servers.length === 1 && !wanted.server && !wanted.tags) return { server: servers[0]!.name, reason: 'the only server' };
    const counts = await records.tenantCounts();
    const candidates = await Promise.all(
      servers.map(async (server) => {
        const storageBytes = (await this.deps.servers.usageOrNull(server.name, this.deps.acquireTimeoutMs ?? 5000))?.storageBytes ?? null;
        return { server, tenants: counts.get(server.name) ?? 0, storageBytes };
      }),
    );
    return placeTenant(candidates, wanted);
  }

  /**
   * `make` on the server placement picks. The register step takes the place under that
   * server's lock: when concurrent creates filled it meanwhile (SERVER_UNFIT `full`), a
   * placement of our own choosing is made again with the counts as they are now.
   */
  private async placed<R>(want: { server?: string; tags?: Record<string, string> }, make: (placement: Placement & { durationMs: number }) => Promise<R>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      const placing = performance.now();
      const placement = { ...(await this.place(want)), durationMs: performance.now() - placing };
      try {
        return await make(placement);
      } catch (error) {
        const full = error instanceof ServerUnfit && error.details?.['full'] === true;
        if (!full || want.server !== undefined || attempt >= PLACEMENT_ATTEMPTS) throw error;
      }
    }
  }

  /** Checks a create request without touching anything; returns it normalised. */
  validate(input: CreateTenantInput): { id: string; name: string; mode: IsolationMode; modules: string[]; server?: string; tags?: Record<string, string> } {
    const tags = input.tags === undefined ? {} : parseTagRecord(input.tags);
    return {
      id: validateTenantId(input.id),
      name: validateTenantName(input.name),
      mode: validateIsolationMode(input.mode),
      modules: this.deps.catalog.resolve(input.modules).map((m) => m.name),
      ...(input.server !== undefined ? { server: validateServerName(input.server) } : {}),
      ...(Object.keys(tags).length ? { tags } : {}),
    };
  }

  async create(input: CreateTenantInput, options: ProvisionOptions = {}): Promise<ProvisionedTenant> {
    const valid = this.validate(input);
    const { id } = valid;
    const modules = this.deps.catalog.resolve(valid.modules);
    await this.refuseEditedFiles(id, modules);
    const tenant = await this.placed(valid, (placement) =>
      withTenantLock(this.deps.registry, id, async (admin) => {
        const existing = await new TenantRepository(admin).findById(id);
        if (existing) {
          // A create killed mid-way is finished by re-running the same create (on the server it started on).
          const plan = this.plan(id, valid.name, valid.mode, modules, existing.serverName);
          if (existing.status !== 'provisioning' || !sameRequest(existing, plan)) throw new TenantAlreadyExists(id);
          return this.execute(admin, plan, existing, 'resume', options);
        }
        return this.execute(admin, this.plan(id, valid.name, valid.mode, modules, placement.server), undefined, 'create', options, placement);
      }),
    );
    this.sparesOf(await this.deps.servers.get(tenant.server)).replenish(tenant.mode, modules);
    return tenant;
  }

  /**
   * A new tenant made from a backup: the plan of a create at the backup's module versions,
   * its rows loaded and checked, then migrated to the catalog's versions, then activated
   * with a new API key. A failure undoes all of it; a run cut short (kill -9) is undone by
   * `repair`, never finished (it would be a tenant without its data).
   */
  async restore(input: RestoreInput, options: ProvisionOptions = {}): Promise<ProvisionedTenant> {
    const id = validateTenantId(input.id);
    const name = validateTenantName(input.name);
    const mode = validateIsolationMode(input.mode);
    const server = input.server === undefined ? undefined : validateServerName(input.server);
    const restore: RestoreSource = { load: input.load, current: input.modules.map((m) => this.deps.catalog.get(m.name)) };
    return this.placed(server ? { server } : {}, (placement) =>
      withTenantLock(this.deps.registry, id, async (admin) => {
        const existing = await new TenantRepository(admin).findById(id);
        // the job's own restore, cut short (an outage that its undo could not outlast): undone first, then made again
        if (existing && (await this.ownRestoreCutShort(admin, existing, options.jobId))) await this.rollBack(admin, this.plan(id, existing.name, existing.mode, this.deps.catalog.resolve(existing.modules), existing.serverName), existing, options);
        else if (existing) throw new TenantAlreadyExists(id, 'Restore (or clone) it under another id: --as <new-id>, or another <new-id>.');
        return this.execute(admin, this.plan(id, name, mode, input.modules, placement.server), undefined, 'create', { ...options, restore }, placement);
      }),
    );
  }

  /**
   * `restore --replace`: the backup restored beside an active or suspended tenant and
   * swapped in (see TenantReplacer), under the tenant's lock; then the idempotent repair
   * steps on its storage and files, for the backup's modules. Its id, role, password and API
   * keys are unchanged. A replace an earlier process left unfinished is settled first.
   */
  async replace(input: ReplaceInput, options: ProvisionOptions = {}): Promise<ProvisionedTenant & { kept: Record<string, unknown> }> {
    const id = validateTenantId(input.id);
    const move = await new MoveRepository(this.deps.registry).findOpen(id);
    return withTenantLock(this.deps.registry, id, async (admin) => {
      const existing = refuseReplace(id, await new TenantRepository(admin).findById(id), move, input);
      const server = await this.tenantServer(admin, existing.serverName);
      await this.replacer.recover(admin, server, id);
      const current = input.modules.map((m) => this.deps.catalog.get(m.name));
      const plan = this.replacer.plan(existing, input.modules, current, input.keepMs);
      const started = performance.now();
      await this.replacer.replace(admin, server, plan, input.modules, current, (target) => input.load(server, { id, mode: existing.mode, ...target }), options.onStep);
      const after = (await new TenantRepository(admin).findById(id))!;
      const repaired = await this.execute(admin, this.plan(id, after.name, after.mode, this.deps.catalog.resolve(after.modules), after.serverName), after, 'repair', options);
      return { ...repaired, durationMs: performance.now() - started, kept: { server: plan.server, mode: plan.mode, ...(plan.mode === 'database' ? { database: plan.keptDatabase } : { schemas: plan.schemas.map((s) => s.kept) }), purgeInMs: plan.keepMs } };
    });
  }

  /** The tenant's server; on the registry's own, server-wide statements go through the locked connection. */
  private async tenantServer(admin: Kysely<RegistryDatabase>, name: string): Promise<TenantServer> {
    const server = await this.deps.servers.get(name);
    return name === DEFAULT_SERVER ? { ...server, admin: admin as Kysely<unknown> } : server;
  }

  /**
   * A module file edited after it was applied to other tenants is refused, as `kryonix
   * migrate` refuses it: a new tenant would get SQL that the others never ran.
   */
  private async refuseEditedFiles(id: string, modules: readonly ModuleDefinition[]): Promise<void> {
    const files = modules.flatMap((m) => m.migrations.map((f) => ({ module: m.name, version: f.version, checksum: f.checksum, file: f.file })));
    const changed = await new ModuleLedgerRepository(this.deps.registry).appliedWithOtherChecksum(files);
    if (changed.length === 0) return;
    const fileOf = (c: { module: string; version: number }) => files.find((f) => f.module === c.module && f.version === c.version)!.file;
    throw MigrationChanged.of(`Refusing to create tenant "${id}"`, new Map(changed.map((c) => [fileOf(c), c.tenants])));
  }

  /** Nest: background work finishes before the connections close (DatabaseConnector closes at shutdown, after this). */
  onModuleDestroy(): Promise<void> {
    return this.drain();
  }

  /** Waits for background work (warm spares being made). */
  async drain(): Promise<void> {
    await Promise.all([...this.spares.values()].map((s) => s.drain()));
  }

  /**
   * Finishes a tenant left in 'provisioning' (crash, kill -9), or re-applies the
   * idempotent steps of a live tenant (role, storage, grants, ledger, files)
   * without touching its data or its API key.
   */
  async repair(rawId: unknown, options: ProvisionOptions = {}): Promise<ProvisionedTenant> {
    const id = validateTenantId(rawId);
    return withTenantLock(this.deps.registry, id, async (admin) => {
      const found = await new TenantRepository(admin).findById(id);
      if (!found) throw new TenantNotFound(id);
      // a replace cut short: finished when its swap was committed (the backup's modules now), else undone
      await this.replacer.recover(admin, await this.tenantServer(admin, found.serverName), id);
      const existing = (await new TenantRepository(admin).findById(id))!;
      const plan = this.plan(existing.id, existing.name, existing.mode, this.deps.catalog.resolve(existing.modules), existing.serverName);
      if (existing.status === 'provisioning' && (await new ProvisioningLogRepository(admin).startedAsRestore(id))) return this.rollBack(admin, plan, existing, options);
      return this.execute(admin, plan, existing, existing.status === 'provisioning' ? 'resume' : 'repair', options);
    });
  }

  /** Whether `existing` is a restore this very job began (its log says so) and left half-made. */
  private async ownRestoreCutShort(admin: Kysely<RegistryDatabase>, existing: TenantRecord, jobId: string | undefined): Promise<boolean> {
    if (jobId === undefined || existing.status !== 'provisioning') return false;
    const log = new ProvisioningLogRepository(admin);
    return (await log.startedAsRestore(existing.id)) && (await log.startedByJob(existing.id, jobId));
  }

  /** Undoes a restore cut short: every step's undo, in reverse, as if its last step had failed. */
  private async rollBack(admin: Kysely<RegistryDatabase>, plan: TenantPlan, existing: TenantRecord, options: ProvisionOptions): Promise<ProvisionedTenant> {
    const started = performance.now();
    const runId = randomUUID();
    const log = new ProvisioningLogRepository(admin);
    const server = await this.deps.servers.get(plan.server);
    const ctx: RunContext = {
      admin,
      server: { ...server, ...(plan.server === DEFAULT_SERVER ? { admin: admin as Kysely<unknown> } : {}), spares: this.sparesOf(server) },
      plan,
      rolePassword: '',
      rolePasswordEnc: existing.rolePasswordEnc ?? '',
      login: false,
      fresh: false,
      // everything under the tenant's names is the restore's own: the registry row says so
      created: { database: plan.mode === 'database', schemas: plan.schemas.map((s) => s.schema) },
      issueKey: false,
      files: [],
    };
    await log.append({ tenantId: plan.id, runId, action: 'inicio_rollback', status: 'em_progresso', details: { reason: 'a restore cut short is undone, not finished' } });
    const undone = await undoPlan(restoreSteps(this.stepDeps, plan.mode), ctx, {
      onEvent: async (event) => {
        options.onStep?.(event);
        await log.append({ tenantId: plan.id, runId, action: event.step, status: event.status === 'undo_falhou' ? 'erro' : event.status, details: event.error ? { error: event.error } : {}, durationMs: event.durationMs }).catch(() => undefined);
      },
    });
    if (!undone) throw new ProvisioningFailed(plan.id, 'rollback', new Error('an undo step failed; see `kryonix tenant log`'), false);
    return { id: plan.id, name: plan.name, mode: plan.mode, server: plan.server, database: plan.database, schemas: [], role: plan.role, url: plan.url, modules: plan.modules.map((m) => m.name), durationMs: performance.now() - started, files: [], rolledBack: true };
  }

  private plan(id: string, name: string, mode: IsolationMode, modules: ModuleDefinition[], server: string): TenantPlan {
    return {
      id,
      server,
      name,
      mode,
      modules,
      database: tenantDatabaseName(id, mode),
      role: tenantRoleName(id),
      schemas: modules.map((module) => ({ module, schema: tenantSchemaName(id, mode, module.name) })),
      url: this.deps.tenantUrl(id),
    };
  }

  private async execute(
    admin: Kysely<RegistryDatabase>,
    plan: TenantPlan,
    existing: TenantRecord | undefined,
    kind: 'create' | 'resume' | 'repair',
    options: ProvisionOptions & { restore?: RestoreSource },
    placement?: Placement & { durationMs: number },
  ): Promise<ProvisionedTenant> {
    const started = performance.now();
    const runId = randomUUID();
    const log = new ProvisioningLogRepository(admin);
    const rolePassword = existing?.rolePasswordEnc ? this.deps.secrets.decrypt(existing.rolePasswordEnc, plan.id) : generatePassword();
    const server = await this.deps.servers.get(plan.server);
    const ctx: RunContext = {
      admin,
      // on the registry's own server, server-wide statements run on the connection holding the tenant's lock, as they always have
      server: { ...server, ...(plan.server === DEFAULT_SERVER ? { admin: admin as Kysely<unknown> } : {}), spares: this.sparesOf(server) },
      plan,
      rolePassword,
      rolePasswordEnc: existing?.rolePasswordEnc ?? this.deps.secrets.encrypt(rolePassword, plan.id),
      login: !existing || existing.status === 'active' || existing.status === 'provisioning',
      fresh: kind === 'create',
      created: { schemas: [] },
      issueKey: kind !== 'repair' || (await new ApiKeyRepository(admin).listFor(plan.id)).every((k) => k.revokedAt),
      files: [],
      ...(options.restore ? { restore: options.restore } : {}),
    };
    await log.append({ tenantId: plan.id, runId, action: kind === 'create' ? 'inicio_processo' : `inicio_${kind}`, status: 'em_progresso', details: { mode: plan.mode, modules: plan.modules.map((m) => m.name), ...(options.jobId ? { jobId: options.jobId } : {}), ...(options.restore ? { restore: true } : {}) } });
    // The choice of server and its reason, a line of the provisioning log.
    if (placement) await log.append({ tenantId: plan.id, runId, action: 'escolha_servidor', status: 'sucesso', details: { server: placement.server, reason: placement.reason }, durationMs: placement.durationMs });
    const steps = kind === 'repair' ? repairSteps(this.stepDeps) : options.restore ? restoreSteps(this.stepDeps, plan.mode) : createSteps(this.stepDeps, plan.mode);
    try {
      await runPlan(steps, ctx, {
        failpoints: this.deps.failpoints,
        undo: kind !== 'repair',
        onEvent: async (event) => {
          options.onStep?.(event);
          await log.append({ tenantId: plan.id, runId, action: event.step, status: event.status === 'undo_falhou' ? 'erro' : event.status, details: { ...event.details, ...(event.error ? { error: event.error } : {}) }, durationMs: event.durationMs });
        },
      });
    } catch (error) {
      const failure = error instanceof PlanFailure ? error : new PlanFailure('unknown', error, false);
      await log.append({ tenantId: plan.id, runId, action: 'processo_falhou', status: 'erro', details: { step: failure.step, error: failure.message, rolledBack: failure.rolledBack }, durationMs: performance.now() - started }).catch(() => undefined);
      if (failure.cause instanceof KryonixError) throw failure.cause;
      throw new ProvisioningFailed(plan.id, failure.step, failure.cause, failure.rolledBack);
    }
    const durationMs = performance.now() - started;
    await log.append({ tenantId: plan.id, runId, action: 'processo_completo', status: 'sucesso', details: { subdomain: plan.id, kind }, durationMs });
    return {
      id: plan.id,
      name: plan.name,
      mode: plan.mode,
      server: plan.server,
      database: plan.database,
      schemas: plan.schemas.map((s) => s.schema),
      role: plan.role,
      apiKey: ctx.apiKey?.key,
      url: plan.url,
      modules: plan.modules.map((m) => m.name),
      durationMs,
      files: ctx.files,
    };
  }
}

function sameRequest(existing: TenantRecord, plan: TenantPlan): boolean {
  const wanted = plan.modules.map((m) => m.name);
  return (
    existing.name === plan.name &&
    existing.mode === plan.mode &&
    existing.modules.length === wanted.length &&
    existing.modules.every((m) => wanted.includes(m))
  );
}
