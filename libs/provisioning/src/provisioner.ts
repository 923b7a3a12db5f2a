import type { OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Kysely } from 'kysely';
import {
  IsolationMode,
  KryonixError,
  MigrationChanged,
  ProvisioningFailed,
  TenantAlreadyExists,
  TenantNotFound,
  tenantDatabaseName,
  tenantRoleName,
  tenantSchemaName,
  validateIsolationMode,
  validateTenantId,
  validateTenantName,
} from '@kryonix/domain';
import { ModuleCatalog, ModuleDefinition } from '@kryonix/modules';
import { DatabaseConnector, SecretBox, generatePassword } from '@kryonix/platform';
import { ApiKeyRepository, ModuleLedgerRepository, ProvisioningLogRepository, RegistryDatabase, TenantRecord, TenantRepository } from '@kryonix/registry';
import { GeneratedFiles } from './generated-files';
import { TenantCertificates } from './tenant-certificates';
import { FailpointAction, PlanFailure, StepEvent, runPlan } from './plan';
import { RunContext, StepDeps, TenantPlan, createSteps, repairSteps } from './steps';
import { withTenantLock } from './tenant-lock.repository';
import { TenantStorageRepository } from './tenant-storage.repository';
import { WarmSpares } from './warm-spares/warm-spares';

export interface CreateTenantInput {
  id: unknown;
  name: unknown;
  modules: unknown;
  mode?: unknown;
}

export interface ProvisionedTenant {
  id: string;
  name: string;
  mode: IsolationMode;
  database: string;
  schemas: string[];
  role: string;
  /** Shown once: present when a new key was issued by this run. */
  apiKey?: string;
  url: string;
  modules: string[];
  durationMs: number;
  files: string[];
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
  catalog: ModuleCatalog;
  secrets: SecretBox;
  files: GeneratedFiles;
  certificates: TenantCertificates;
  /** The URL a client uses for a tenant. */
  tenantUrl: (id: string) => string;
  failpoints?: ReadonlyMap<string, FailpointAction>;
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
  private readonly spares: WarmSpares;
  private readonly stepDeps: StepDeps;

  constructor(private readonly deps: ProvisionerDeps) {
    this.spares = new WarmSpares(deps.registry, deps.connector, deps.storage, { wanted: deps.warmDatabases ?? 0, modulesDir: deps.modulesDir ?? '', onError: deps.onBackgroundError });
    this.stepDeps = { storage: deps.storage, files: deps.files, certificates: deps.certificates, spares: this.spares, tenantUrl: deps.tenantUrl };
  }

  /** Checks a create request without touching anything; returns it normalised. */
  validate(input: CreateTenantInput): { id: string; name: string; mode: IsolationMode; modules: string[] } {
    return {
      id: validateTenantId(input.id),
      name: validateTenantName(input.name),
      mode: validateIsolationMode(input.mode),
      modules: this.deps.catalog.resolve(input.modules).map((m) => m.name),
    };
  }

  async create(input: CreateTenantInput, options: ProvisionOptions = {}): Promise<ProvisionedTenant> {
    const valid = this.validate(input);
    const { id } = valid;
    const plan = this.plan(id, valid.name, valid.mode, this.deps.catalog.resolve(valid.modules));
    await this.refuseEditedFiles(id, plan.modules);
    const tenant = await withTenantLock(this.deps.registry, id, async (admin) => {
      const existing = await new TenantRepository(admin).findById(id);
      if (existing) {
        // A create killed mid-way is finished by re-running the same create.
        if (existing.status !== 'provisioning' || !sameRequest(existing, plan)) throw new TenantAlreadyExists(id);
        return this.execute(admin, plan, existing, 'resume', options);
      }
      return this.execute(admin, plan, undefined, 'create', options);
    });
    this.spares.replenish(plan.mode, plan.modules);
    return tenant;
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
  drain(): Promise<void> {
    return this.spares.drain();
  }

  /**
   * Finishes a tenant left in 'provisioning' (crash, kill -9), or re-applies the
   * idempotent steps of a live tenant (role, storage, grants, ledger, files)
   * without touching its data or its API key.
   */
  async repair(rawId: unknown, options: ProvisionOptions = {}): Promise<ProvisionedTenant> {
    const id = validateTenantId(rawId);
    return withTenantLock(this.deps.registry, id, async (admin) => {
      const existing = await new TenantRepository(admin).findById(id);
      if (!existing) throw new TenantNotFound(id);
      const plan = this.plan(existing.id, existing.name, existing.mode, this.deps.catalog.resolve(existing.modules));
      return this.execute(admin, plan, existing, existing.status === 'provisioning' ? 'resume' : 'repair', options);
    });
  }

  private plan(id: string, name: string, mode: IsolationMode, modules: ModuleDefinition[]): TenantPlan {
    return {
      id,
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
    options: ProvisionOptions,
  ): Promise<ProvisionedTenant> {
    const started = performance.now();
    const runId = randomUUID();
    const log = new ProvisioningLogRepository(admin);
    const rolePassword = existing?.rolePasswordEnc ? this.deps.secrets.decrypt(existing.rolePasswordEnc, plan.id) : generatePassword();
    const ctx: RunContext = {
      admin,
      plan,
      rolePassword,
      rolePasswordEnc: existing?.rolePasswordEnc ?? this.deps.secrets.encrypt(rolePassword, plan.id),
      login: !existing || existing.status === 'active' || existing.status === 'provisioning',
      fresh: kind === 'create',
      created: { schemas: [] },
      issueKey: kind !== 'repair' || (await new ApiKeyRepository(admin).listFor(plan.id)).every((k) => k.revokedAt),
      files: [],
    };
    await log.append({ tenantId: plan.id, runId, action: kind === 'create' ? 'inicio_processo' : `inicio_${kind}`, status: 'em_progresso', details: { mode: plan.mode, modules: plan.modules.map((m) => m.name), ...(options.jobId ? { jobId: options.jobId } : {}) } });
    const steps = kind === 'repair' ? repairSteps(this.stepDeps) : createSteps(this.stepDeps, plan.mode);
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
