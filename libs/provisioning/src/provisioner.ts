import type { OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Kysely } from 'kysely';
import { withTenantLock } from './tenant-lock';
import { IsolationMode, KryonixError, ProvisioningFailed, SHARED_TENANTS_DATABASE, TenantAlreadyExists, TenantNotFound, tenantDatabaseName, tenantRoleName, tenantSchemaName, validateIsolationMode, validateTenantId, validateTenantName, StorageTaken } from '@kryonix/domain';
import { ApiKeyRepository, ModuleLedgerRepository, ProvisioningLogRepository, RegistryDatabase, TenantRecord, TenantRepository } from '@kryonix/registry';
import { GeneratedFiles, tenantFileModel } from './generated-files';
import { ModuleCatalog, ModuleDefinition } from '@kryonix/modules';
import { FailpointAction, PlanFailure, Step, StepEvent, runPlan } from './plan';
import { GeneratedApiKey, SecretBox, generateApiKey, generatePassword, scramSha256Verifier } from '@kryonix/platform';
import { SchemaPlan, SpareSet, TenantStorageRepository, spareSet, spareable } from './tenant-storage.repository';

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

interface TenantPlan {
  id: string;
  name: string;
  mode: IsolationMode;
  modules: ModuleDefinition[];
  database: string;
  role: string;
  schemas: SchemaPlan[];
  url: string;
}

interface RunContext {
  admin: Kysely<RegistryDatabase>;
  plan: TenantPlan;
  rolePassword: string;
  rolePasswordEnc: string;
  /** A first run (not a resume or repair): storage that already exists is not ours to adopt or drop. */
  fresh: boolean;
  /** What this run created, so an undo never drops anything else. */
  created: { database?: boolean; schemas: string[] };
  /** create_schemas granted every table to the role as it created them (schema mode). */
  tablesGranted?: boolean;
  /** create_role took a schema-mode warm spare: the role and its schemas, renamed (create_schemas has nothing left to do). */
  claimedSchemas?: boolean;
  /** false for suspended or deleting tenants being repaired: their role stays NOLOGIN. */
  login: boolean;
  /** Issue (and show) a new API key; false when repairing a live tenant that already has one. */
  issueKey: boolean;
  apiKey?: GeneratedApiKey;
  files: string[];
}

export interface ProvisionerDeps {
  registry: Kysely<RegistryDatabase>;
  storage: TenantStorageRepository;
  catalog: ModuleCatalog;
  secrets: SecretBox;
  files: GeneratedFiles;
  baseDomain: string;
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
  private readonly replenishing = new Map<string, Promise<void>>();
  /** Module sets whose spares of older versions this process has already swept. */
  private readonly swept = new Set<string>();

  constructor(private readonly deps: ProvisionerDeps) {}

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
    const tenant = await withTenantLock(this.deps.registry, id, async (admin) => {
      const existing = await new TenantRepository(admin).findById(id);
      if (existing) {
        // A create killed mid-way is finished by re-running the same create.
        if (existing.status !== 'provisioning' || !sameRequest(existing, plan)) throw new TenantAlreadyExists(id);
        return this.execute(admin, plan, existing, 'resume', options);
      }
      return this.execute(admin, plan, undefined, 'create', options);
    });
    this.replenishSpares(plan);
    return tenant;
  }

  /** Tops the warm spares of the tenant's mode and module set up to `warmDatabases`, in the background, one at a time. */
  private replenishSpares(plan: TenantPlan): void {
    const wanted = this.deps.warmDatabases ?? 0;
    const set = this.spareSet(plan.modules);
    const key = `${plan.mode}:${set.template}:${set.setId}`;
    if (wanted <= 0 || this.replenishing.has(key) || (plan.mode === 'schema' && !spareable(plan.modules))) return;
    const { registry, storage } = this.deps;
    const [count, make] =
      plan.mode === 'database'
        ? [() => storage.countSpares(registry, set), () => storage.createSpare(registry, set)]
        : [() => storage.countSchemaSpares(set), () => storage.createSchemaSpare(set)];
    const run = (async () => {
      // Once per set: spares made for older versions of these modules can never be taken.
      if (!this.swept.has(`${set.setId}:${set.key}`)) {
        await storage.dropStaleSpares(registry, set);
        this.swept.add(`${set.setId}:${set.key}`);
      }
      while ((await count()) < wanted) await make();
    })()
      .catch((error: unknown) => this.deps.onBackgroundError?.(error))
      .finally(() => this.replenishing.delete(key));
    this.replenishing.set(key, run);
  }

  private spareSet(modules: readonly ModuleDefinition[]): SpareSet {
    return spareSet(modules, this.deps.modulesDir ?? '');
  }

  /** Nest: background work finishes before the connections close (DatabaseConnector closes at shutdown, after this). */
  onModuleDestroy(): Promise<void> {
    return this.drain();
  }

  /** Waits for background work (warm spares being made): before the connections close. */
  async drain(): Promise<void> {
    while (this.replenishing.size) await Promise.all([...this.replenishing.values()]);
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
      url: `https://${id}.${this.deps.baseDomain}`,
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
    const steps = kind === 'repair' ? this.repairSteps() : this.createSteps(plan.mode);
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

  private createSteps(mode: IsolationMode): Step<RunContext>[] {
    const s = this.steps();
    return [s.register, s.createRole, mode === 'database' ? s.createDatabase : s.createSchemas, s.grantAccess, s.recordModules, s.issueApiKey, s.writeFiles, s.activate];
  }

  private repairSteps(): Step<RunContext>[] {
    const s = this.steps();
    return [s.createRole, s.createDatabase, s.createSchemas, s.grantAccess, s.recordModules, s.issueApiKey, s.writeFiles];
  }

  private steps() {
    const { storage, files } = this.deps;
    const roleDatabases = (p: TenantPlan) => (p.mode === 'schema' ? [SHARED_TENANTS_DATABASE] : [p.database]);
    const register: Step<RunContext> = {
      name: 'register',
      run: async ({ admin, plan, rolePasswordEnc }) => {
        const tenants = new TenantRepository(admin);
        if (await tenants.findById(plan.id)) return { resumed: true };
        await tenants.insertProvisioning({
          id: plan.id,
          name: plan.name,
          databaseName: plan.database,
          subdomain: plan.id,
          modules: plan.modules.map((m) => m.name),
          mode: plan.mode,
          roleName: plan.role,
          rolePasswordEnc,
        });
      },
      undo: ({ admin, plan }) => new TenantRepository(admin).delete(plan.id),
    };
    const createRole: Step<RunContext> = {
      name: 'create_role',
      run: async (ctx) => {
        const { admin, plan, rolePassword, login } = ctx;
        const verifier = scramSha256Verifier(rolePassword);
        // Schema mode, first create: a warm spare brings the role and its schemas, made ahead.
        const spare = ctx.fresh && plan.mode === 'schema' ? await storage.claimSchemaSpare(admin, this.spareSet(plan.modules), plan.role, plan.schemas, verifier, login) : undefined;
        if (spare) {
          ctx.claimedSchemas = true;
          ctx.created.schemas = plan.schemas.map((s) => s.schema);
          return { role: plan.role, spare };
        }
        await storage.ensureLoginRole(admin, plan.role, verifier, login);
        return { role: plan.role };
      },
      undo: async ({ admin, plan, created, claimedSchemas }) => {
        if (claimedSchemas) await storage.dropSchemas(SHARED_TENANTS_DATABASE, created.schemas);
        await storage.dropRole(admin, plan.role, roleDatabases(plan));
      },
    };
    const createDatabase: Step<RunContext> = {
      name: 'create_database',
      run: async (ctx) => {
        const { admin, plan } = ctx;
        if (plan.mode !== 'database') return { skipped: 'schema mode' };
        if (ctx.fresh && (await storage.databaseExists(admin, plan.database))) {
          throw new StorageTaken(`Database "${plan.database}" already exists but no tenant owns it; drop it (or rename it) before creating "${plan.id}".`);
        }
        const template = await storage.ensureTemplate(admin, plan.modules);
        // A first create takes a warm spare when there is one (a rename), else clones the template.
        const spare = ctx.fresh ? await storage.claimSpare(admin, this.spareSet(plan.modules), plan.database) : undefined;
        const created = spare !== undefined || (await storage.ensureDatabase(admin, plan.database, template));
        ctx.created.database = created || !ctx.fresh;
        return { database: plan.database, template, created, ...(spare ? { spare } : {}) };
      },
      undo: async ({ admin, plan, created }) => {
        if (plan.mode === 'database' && created.database) await storage.dropDatabase(admin, plan.database);
      },
    };
    const createSchemas: Step<RunContext> = {
      name: 'create_schemas',
      run: async (ctx) => {
        const { admin, plan } = ctx;
        if (plan.mode !== 'schema') return { skipped: 'database mode' };
        if (ctx.claimedSchemas) {
          ctx.tablesGranted = true;
          return { database: plan.database, schemas: plan.schemas.map((s) => s.schema), spare: true };
        }
        await storage.ensureSharedTenantsDatabase(admin);
        const present = new Set(await storage.existingSchemasIn(SHARED_TENANTS_DATABASE, plan.schemas.map((s) => s.schema)));
        if (ctx.fresh && present.size) {
          throw new StorageTaken(`Schema(s) ${[...present].join(', ')} already exist in ${SHARED_TENANTS_DATABASE} but no tenant owns them; drop them before creating "${plan.id}".`);
        }
        const missing = plan.schemas.filter((s) => !present.has(s.schema));
        ctx.created.schemas = ctx.fresh ? missing.map((s) => s.schema) : plan.schemas.map((s) => s.schema);
        if (missing.length) await storage.createModuleSchemas(SHARED_TENANTS_DATABASE, missing, plan.role);
        // Granted as created only if this run created every schema; else grant_access re-grants all.
        ctx.tablesGranted = missing.length === plan.schemas.length;
        return { database: plan.database, schemas: missing.map((s) => s.schema) };
      },
      undo: async ({ plan, created, claimedSchemas }) => {
        // A claimed spare's schemas go with the role (create_role's undo).
        if (plan.mode === 'schema' && !claimedSchemas) await storage.dropSchemas(SHARED_TENANTS_DATABASE, created.schemas);
      },
    };
    const grantAccess: Step<RunContext> = {
      name: 'grant_access',
      run: async ({ plan, tablesGranted }) => {
        await storage.grantAccess(plan.database, plan.role, plan.schemas.map((s) => s.schema), { tables: !tablesGranted });
      },
      undo: ({ admin, plan }) => storage.revokeAccess(admin, plan.database, plan.role, plan.schemas.map((s) => s.schema)),
    };
    const recordModules: Step<RunContext> = {
      name: 'record_modules',
      run: async ({ admin, plan }) => {
        await new ModuleLedgerRepository(admin).record(
          plan.id,
          plan.modules.flatMap((m) => m.migrations.map((mig) => ({ module: m.name, version: mig.version, name: mig.name, checksum: mig.checksum }))),
        );
        return { modules: Object.fromEntries(plan.modules.map((m) => [m.name, m.version])) };
      },
      undo: ({ admin, plan }) => new ModuleLedgerRepository(admin).deleteFor(plan.id),
    };
    const issueApiKey: Step<RunContext> = {
      name: 'issue_api_key',
      run: async (ctx) => {
        if (!ctx.issueKey) return { issued: false };
        const key = generateApiKey(ctx.plan.id);
        await new ApiKeyRepository(ctx.admin).replace(ctx.plan.id, key.prefix, key.hash);
        ctx.apiKey = key;
        return { prefix: key.prefix };
      },
      undo: ({ admin, plan }) => new ApiKeyRepository(admin).deleteFor(plan.id),
    };
    const writeFiles: Step<RunContext> = {
      name: 'write_files',
      run: async (ctx) => {
        const { plan } = ctx;
        ctx.files = await files.write(tenantFileModel({ id: plan.id, database: plan.database, role: plan.role, mode: plan.mode, modules: plan.modules.map((m) => m.name) }, this.deps.baseDomain));
        return { dir: files.dirFor(plan.id) };
      },
      undo: ({ plan }) => files.remove(plan.id),
    };
    const activate: Step<RunContext> = {
      name: 'activate',
      run: async ({ admin, plan }) => {
        await new TenantRepository(admin).setStatus(plan.id, 'active');
      },
      undo: ({ admin, plan }) => new TenantRepository(admin).setStatus(plan.id, 'provisioning'),
    };
    return { register, createRole, createDatabase, createSchemas, grantAccess, recordModules, issueApiKey, writeFiles, activate };
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
