import { performance } from 'node:perf_hooks';
import { Kysely } from 'kysely';
import { TenantStatus, tenantSchemaName, TenantNotFound, MigrationChanged } from '@kryonix/domain';
import { ModuleLedgerRepository, MoveRepository, RegistryDatabase, TenantRecord, TenantRepository } from '@kryonix/registry';
import { ModuleCatalog } from '@kryonix/modules';
import { withTenantLock } from '@kryonix/provisioning';
import { TenantServers } from '@kryonix/provisioning';

export interface MigrateOptions {
  tenants?: readonly string[];
  modules?: readonly string[];
  concurrency?: number;
  /** At most this many tenants of one server at once (default: no limit beyond `concurrency`). */
  concurrencyPerServer?: number;
  dryRun?: boolean;
  /** Migrate this many tenants first, one by one; stop everything if one fails. */
  canary?: number;
  continueOnError?: boolean;
  onProgress?: (event: { tenant: string; status: 'migrated' | 'failed'; done: number; total: number; error?: string }) => void;
  /** Called once the plan is known, before any tenant is migrated (not on a dry run or an empty plan). */
  onPlan?: (plan: Pick<MigrateReport, 'target' | 'selected' | 'upToDate' | 'planned'>) => void;
}

export interface TenantPlan {
  tenant: string;
  steps: Array<{ module: string; from: number; to: number }>;
}

export interface MigrateReport {
  /** module → version every selected tenant should reach */
  target: Record<string, number>;
  selected: number;
  upToDate: number;
  planned: TenantPlan[];
  migrated: string[];
  failed: Array<{ tenant: string; error: string }>;
  /** Not attempted: the run stopped at a failure. */
  notAttempted: string[];
  /** Left for a later run: a move to another server is under way (logical replication carries no DDL). */
  skipped: Array<{ tenant: string; reason: 'moving' }>;
  dryRun: boolean;
  durationMs: number;
}

const LIVE: TenantStatus[] = ['active', 'suspended'];

/**
 * Rolls module versions out to every tenant. The plan comes from the registry's
 * ledger alone (tenants at the target are never connected to); each tenant is
 * migrated in one transaction under its advisory lock; failures are recorded and
 * listed; a re-run resumes where a run stopped. An edited, already-applied
 * migration file is refused before anything runs.
 */
export class FleetMigrator {
  constructor(
    private readonly registry: Kysely<RegistryDatabase>,
    private readonly servers: TenantServers,
    private readonly catalog: ModuleCatalog,
  ) {}

  async migrate(options: MigrateOptions = {}): Promise<MigrateReport> {
    const started = performance.now();
    const modules = options.modules?.length ? this.catalog.resolve([...options.modules]).map((m) => m.name) : this.catalog.names();
    const target = Object.fromEntries(modules.map((m) => [m, this.catalog.get(m).version]));
    const tenants = (await new TenantRepository(this.registry).list())
      .filter((t) => LIVE.includes(t.status))
      .filter((t) => !options.tenants?.length || options.tenants.includes(t.id))
      .filter((t) => t.modules.some((m) => modules.includes(m)));
    const unknown = (options.tenants ?? []).filter((id) => !tenants.some((t) => t.id === id));
    if (unknown.length) throw new TenantNotFound(unknown.join(', '), `No live tenant ${unknown.map((u) => `"${u}"`).join(', ')} with ${modules.join(', ')}.`);

    const ledger = await new ModuleLedgerRepository(this.registry).listAll(options.tenants?.length ? tenants.map((t) => t.id) : undefined);
    this.refuseEditedFiles(ledger);
    const applied = new Map<string, number>(); // `${tenant}/${module}` → version
    for (const row of ledger) {
      const key = `${row.tenantId}/${row.module}`;
      applied.set(key, Math.max(applied.get(key) ?? 0, row.version));
    }
    const planned: TenantPlan[] = [];
    const moving = new Set((await new MoveRepository(this.registry).openFor(tenants.map((t) => t.id))).map((m) => m.tenantId));
    const skipped: MigrateReport['skipped'] = [];
    for (const t of tenants) {
      const steps = t.modules
        .filter((m) => modules.includes(m))
        .map((m) => ({ module: m, from: applied.get(`${t.id}/${m}`) ?? 0, to: target[m]! }))
        .filter((s) => s.from < s.to);
      if (steps.length && moving.has(t.id)) skipped.push({ tenant: t.id, reason: 'moving' });
      else if (steps.length) planned.push({ tenant: t.id, steps });
    }
    const report: MigrateReport = {
      target,
      selected: tenants.length,
      upToDate: tenants.length - planned.length - skipped.length,
      planned,
      migrated: [],
      failed: [],
      notAttempted: [],
      skipped,
      dryRun: Boolean(options.dryRun),
      durationMs: 0,
    };
    if (options.dryRun || planned.length === 0) return { ...report, durationMs: performance.now() - started };
    options.onPlan?.({ target, selected: report.selected, upToDate: report.upToDate, planned });

    const byId = new Map(tenants.map((t) => [t.id, t]));
    let done = 0;
    let stop = false;
    const runOne = async (plan: TenantPlan) => {
      try {
        if ((await this.migrateTenant(byId.get(plan.tenant)!, plan)) === 'moving') {
          report.skipped.push({ tenant: plan.tenant, reason: 'moving' });
          return;
        }
        report.migrated.push(plan.tenant);
        options.onProgress?.({ tenant: plan.tenant, status: 'migrated', done: ++done, total: planned.length });
      } catch (error) {
        report.failed.push({ tenant: plan.tenant, error: (error as Error).message });
        options.onProgress?.({ tenant: plan.tenant, status: 'failed', done: ++done, total: planned.length, error: (error as Error).message });
        if (!options.continueOnError) stop = true;
      }
    };
    const canary = Math.min(options.canary ?? 0, planned.length);
    for (const plan of planned.slice(0, canary)) {
      await runOne(plan);
      if (report.failed.length) stop = true; // a failing canary always stops the run
      if (stop) break;
    }
    // `concurrency` tenants at once in all, at most `concurrencyPerServer` of them on any one server
    const rest = planned.slice(canary);
    const perServer = Math.max(1, options.concurrencyPerServer ?? Number.MAX_SAFE_INTEGER);
    const busy = new Map<string, number>();
    const serverOf = (plan: TenantPlan) => byId.get(plan.tenant)!.serverName;
    const waiting: Array<() => void> = [];
    const workers = Array.from({ length: Math.max(1, options.concurrency ?? 4) }, async () => {
      while (!stop && rest.length) {
        const i = rest.findIndex((p) => (busy.get(serverOf(p)) ?? 0) < perServer);
        if (i < 0) {
          await new Promise<void>((resolve) => waiting.push(resolve)); // every waiting tenant's server is at its limit
          continue;
        }
        const [plan] = rest.splice(i, 1);
        const server = serverOf(plan!);
        busy.set(server, (busy.get(server) ?? 0) + 1);
        try {
          await runOne(plan!);
        } finally {
          busy.set(server, busy.get(server)! - 1);
          for (const wake of waiting.splice(0)) wake();
        }
      }
    });
    await Promise.all(workers);
    const attempted = new Set([...report.migrated, ...report.failed.map((f) => f.tenant), ...report.skipped.map((s) => s.tenant)]);
    report.notAttempted = planned.map((p) => p.tenant).filter((t) => !attempted.has(t));
    report.durationMs = performance.now() - started;
    return report;
  }

  /** One tenant, under its lock: reconcile with the schemas' own versions, apply the rest in one transaction, then record. */
  private async migrateTenant(t: TenantRecord, plan: TenantPlan): Promise<'moving' | void> {
    const { storage } = await this.servers.get(t.serverName); // the tenant's own server
    return withTenantLock(this.registry, t.id, async (admin) => {
      // a move that started since the plan was made
      if (await new MoveRepository(admin).findOpen(t.id)) return 'moving';
      const schemaOf = (m: string) => tenantSchemaName(t.id, t.mode, m);
      const onDisk = await storage.schemaVersions(t.databaseName, plan.steps.map((s) => schemaOf(s.module)));
      const ledger = new ModuleLedgerRepository(admin);
      const steps = plan.steps.map((s) => {
        const module = this.catalog.get(s.module);
        // A crash between the tenant's commit and the ledger's: the schema says how far it got.
        const from = Math.max(s.from, onDisk.get(schemaOf(s.module)) ?? 0);
        return { schema: schemaOf(s.module), module: s.module, from, migrations: module.migrations.filter((m) => m.version > from && m.version <= s.to), recover: module.migrations.filter((m) => m.version > s.from && m.version <= from) };
      });
      const recovered = steps.flatMap((s) => s.recover.map((m) => ({ module: s.module, version: m.version, name: m.name, checksum: m.checksum })));
      if (recovered.length) await ledger.record(t.id, recovered);
      const todo = steps.filter((s) => s.migrations.length);
      if (!todo.length) return;
      const durations = await storage.applyMigrations(t.databaseName, t.roleName, todo);
      await ledger.record(
        t.id,
        todo.flatMap((s) =>
          s.migrations.map((m) => ({ module: s.module, version: m.version, name: m.name, checksum: m.checksum, durationMs: durations.find((d) => d.module === s.module && d.version === m.version)?.durationMs })),
        ),
      );
    });
  }

  private refuseEditedFiles(ledger: ReadonlyArray<{ tenantId: string; module: string; version: number; checksum: string }>): void {
    const problems = new Map<string, Set<string>>(); // file → tenants
    for (const row of ledger) {
      let module;
      try {
        module = this.catalog.get(row.module);
      } catch {
        continue; // a module no longer in the catalog is not ours to judge here
      }
      const file = module.migrations.find((m) => m.version === row.version);
      const key = file ? file.file : `${row.module} migration ${String(row.version).padStart(4, '0')} (file missing)`;
      if (!file || file.checksum !== row.checksum) (problems.get(key) ?? problems.set(key, new Set()).get(key)!).add(row.tenantId);
    }
    if (problems.size === 0) return;
    throw MigrationChanged.of('Refusing to migrate', new Map([...problems].map(([file, ts]) => [file, [...ts]])));
  }
}
