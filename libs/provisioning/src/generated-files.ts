import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { IsolationMode, tenantSchemaName } from '@kryonix/domain';
import { type BackupSchedule, isProcessAlive } from '@kryonix/platform';

export interface TenantFileModel {
  id: string;
  database: string;
  role: string;
  schemas: string[];
  modules: string[];
  url: string;
}

/** The file model of a tenant, from its id, storage and modules. */
export function tenantFileModel(t: { id: string; database: string; role: string; mode: IsolationMode; modules: readonly string[] }, url: string): TenantFileModel {
  return {
    id: t.id,
    database: t.database,
    role: t.role,
    schemas: t.modules.map((m) => tenantSchemaName(t.id, t.mode, m)),
    modules: [...t.modules],
    url,
  };
}

/** The source's alert thresholds (connections_max 50, query_time_max 10s, storage_usage_max 80%). */
const ALERTS = { connectionsMax: 50, queryTimeMaxSeconds: 10, storageUsageMaxPercent: 80, storageUsageMaxRatio: 0.8 };

/** The backup alerts' threshold: twice the schedule's longest interval plus an hour, in seconds; 0 (no backup rules) without a schedule. */
export function backupAlertSeconds(schedule: BackupSchedule | undefined): number {
  return schedule ? Math.ceil((2 * schedule.longestIntervalMs() + 3_600_000) / 1000) : 0;
}

/** 90000 → "1d 1h". */
function spelledSeconds(total: number): string {
  const parts: string[] = [];
  let rest = total;
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) parts.push(`${Math.floor(rest / size)}${unit}`);
    rest %= size;
  }
  return parts.join(' ') || '0s';
}

/** Where a set of files is written before it is swapped in: `<output>/.staging/<id>.tmp-<pid>-<ms>` (no tenant id starts with "."). */
const STAGING_DIR = '.staging';
/** A staging folder's name: the tenant, the pid of the process writing it, when. (Before, these were made next to the tenant folders.) */
const STAGING_NAME = /^([a-z][a-z0-9-]*)\.tmp-(\d+)-\d+$/;

const FILES: ReadonlyArray<{ template: string; output: string; mode: number }> = [
  { template: 'monitoring.yml.hbs', output: 'monitoring.yml', mode: 0o644 },
  { template: 'alert-rules.yml.hbs', output: 'alert-rules.yml', mode: 0o644 },
  { template: 'sdk.env.hbs', output: 'sdk.env', mode: 0o600 },
];

/**
 * Per-tenant generated files (monitoring YAML, Prometheus rules, SDK .env),
 * rendered deterministically from the Handlebars templates in provisioning/.
 */
export class GeneratedFiles {
  private readonly hbs = Handlebars.create();
  private templates?: Map<string, HandlebarsTemplateDelegate>;
  private alertsOnce?: typeof ALERTS & { backupMaxAgeSeconds: number; backupMaxAge: string };

  constructor(
    private readonly templatesDir: string,
    private readonly outputDir: string,
    /** backupAlertSeconds of KRYONIX_BACKUP_SCHEDULE (0: no backup alerts), asked once, when files are first written. */
    private readonly backupMaxAgeSeconds: () => number = () => 0,
  ) {
    this.hbs.registerHelper('join', (items: unknown, sep: unknown) => (Array.isArray(items) ? items.join(typeof sep === 'string' ? sep : ',') : ''));
  }

  /** What the files depend on besides each tenant's own facts: files written under another one are rewritten at start. */
  get settingsKey(): string {
    return `backup-alert=${this.alerts.backupMaxAgeSeconds || 'off'}`;
  }

  private get alerts() {
    if (!this.alertsOnce) {
      const backupMaxAgeSeconds = this.backupMaxAgeSeconds();
      this.alertsOnce = { ...ALERTS, backupMaxAgeSeconds, backupMaxAge: spelledSeconds(backupMaxAgeSeconds) };
    }
    return this.alertsOnce;
  }

  dirFor(tenantId: string): string {
    return join(this.outputDir, tenantId);
  }

  /**
   * Writes every file into a fresh folder, then swaps it in, so readers never see half a set.
   * Runs under the tenant's lock: any other staging folder of this tenant is what a killed
   * write left, and goes first.
   */
  async write(model: TenantFileModel): Promise<string[]> {
    const templates = await this.load();
    const target = this.dirFor(model.id);
    await this.sweepStaging(model.id);
    const staging = join(this.outputDir, STAGING_DIR, `${model.id}.tmp-${process.pid}-${Date.now()}`);
    await mkdir(staging, { recursive: true, mode: 0o755 });
    try {
      for (const file of FILES) {
        const render = templates.get(file.template)!;
        await writeFile(join(staging, file.output), render({ ...model, alerts: this.alerts }), { mode: file.mode });
      }
      await rm(target, { recursive: true, force: true });
      await rename(staging, target);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
    return FILES.map((f) => join(target, f.output));
  }

  /** The tenant's files and any staging folder a killed write left (undo, purge). */
  async remove(tenantId: string): Promise<void> {
    await rm(this.dirFor(tenantId), { recursive: true, force: true });
    await this.sweepStaging(tenantId);
  }

  /**
   * Removes staging folders left by writes that were killed half-way: of one tenant (the
   * caller holds its lock, so none of them is being written), or, with no tenant, those
   * whose writing process is gone (a process starting up). Returns the folders removed.
   */
  async sweepStaging(tenantId?: string): Promise<string[]> {
    const removed: string[] = [];
    // today's place, and (with no tenant) beside the tenant folders, where older versions left them
    for (const dir of tenantId === undefined ? [join(this.outputDir, STAGING_DIR), this.outputDir] : [join(this.outputDir, STAGING_DIR)]) {
      for (const name of await listDir(dir)) {
        const m = STAGING_NAME.exec(name);
        if (!m || (tenantId !== undefined && m[1] !== tenantId)) continue;
        if (tenantId === undefined && isProcessAlive(Number(m[2]))) continue;
        await rm(join(dir, name), { recursive: true, force: true });
        removed.push(join(dir, name));
      }
    }
    return removed;
  }

  private async load(): Promise<Map<string, HandlebarsTemplateDelegate>> {
    if (!this.templates) {
      const map = new Map<string, HandlebarsTemplateDelegate>();
      for (const f of FILES) {
        map.set(f.template, this.hbs.compile(await readFile(join(this.templatesDir, f.template), 'utf8'), { noEscape: true, strict: true }));
      }
      this.templates = map;
    }
    return this.templates;
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return [];
    throw error;
  }
}
