import { createReadStream } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BackupUnreadable } from '@kryonix/domain';
import { backupHeader } from '@kryonix/platform';

export const BACKUP_EXTENSION = '.kxbackup';
/** What `TenantBackups.writeFile` writes first, renamed into place when whole. */
const PARTIAL = /\.kxbackup\.partial-[0-9a-f]+$/;
/** `<tenant>-<UTC time>`: the default name, read when a damaged file's header cannot say whose it is. */
const DEFAULT_NAME = /^([a-z][a-z0-9-]*[a-z0-9])-(\d{8}T\d{6}Z)$/;
/** The header is at most this long (magic, format, length, 64 KiB of JSON): all the catalogue ever reads of a file. */
const HEADER_BYTES = 13 + 64 * 1024;

/** ok: a backup whose header reads; damaged: named as one, header unreadable; not_backup: another file; partial: a write in progress or cut short. */
export type BackupStatus = 'ok' | 'damaged' | 'not_backup' | 'partial';

/** One file of KRYONIX_BACKUP_DIR, as far as its header tells without its key. */
export interface BackupEntry {
  /** The file name without `.kxbackup` (how the HTTP API names a backup); other files: their name. */
  id: string;
  file: string;
  status: BackupStatus;
  tenant: string | null;
  /** When the snapshot was taken (the header's), else the file's modification time. */
  takenAt: string;
  bytes: number;
  /** Where its key comes from: this installation's master key, or a passphrase. */
  key: 'master' | 'passphrase' | null;
  /** Module → version, for backups whose header says. */
  modules: Record<string, number> | null;
  /** `schedule`: made by the control plane's schedule (pruned to KRYONIX_BACKUP_KEEP); `manual`: never pruned. */
  trigger: 'manual' | 'schedule' | null;
  /** The scheduled time a scheduled backup was made for. */
  scheduledFor: string | null;
  /** Why it is not a usable backup (damaged, not_backup, partial). */
  problem: string | null;
}

/**
 * The backups in one folder: each file's header read (never the rest, never with a key),
 * damaged and foreign files listed as such; a tenant's scheduled backups pruned to a
 * retention. Headers are read once per file version (name, size, modification time).
 */
export class BackupCatalog {
  private readonly cache = new Map<string, { version: string; entry: BackupEntry }>();

  constructor(readonly dir: string) {}

  /** Newest first within each tenant, tenants by id (files of no known tenant last). */
  async list(filter: { tenant?: string } = {}): Promise<BackupEntry[]> {
    const names = await listDir(this.dir);
    const entries: BackupEntry[] = [];
    const seen = new Set<string>();
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const entry = await this.entry(name);
      if (!entry) continue;
      seen.add(name);
      if (filter.tenant === undefined || entry.tenant === filter.tenant) entries.push(entry);
    }
    for (const name of this.cache.keys()) if (!seen.has(name)) this.cache.delete(name);
    return entries.sort(byTenantNewestFirst);
  }

  /** One backup by its id (or a file by its name), if it is in the folder. */
  async find(id: string): Promise<BackupEntry | undefined> {
    return (await this.list()).find((e) => e.id === id || e.file === id);
  }

  /**
   * Removes a tenant's scheduled backups beyond the newest `keep` (manual ones, damaged
   * and foreign files are never touched). Returns those removed.
   */
  async prune(tenant: string, keep: number): Promise<BackupEntry[]> {
    const scheduled = (await this.list({ tenant })).filter((e) => e.status === 'ok' && e.trigger === 'schedule');
    const removed = scheduled.slice(Math.max(0, keep));
    for (const e of removed) {
      await rm(join(this.dir, e.file), { force: true });
      this.cache.delete(e.file);
    }
    return removed;
  }

  /** The newest backup time of each tenant that has a usable one. */
  async lastBackups(): Promise<Map<string, Date>> {
    const last = new Map<string, Date>();
    for (const e of await this.list()) {
      if (e.status !== 'ok' || e.tenant === null) continue;
      const at = new Date(e.takenAt);
      if (!(last.get(e.tenant)! >= at)) last.set(e.tenant, at);
    }
    return last;
  }

  private async entry(name: string): Promise<BackupEntry | undefined> {
    const path = join(this.dir, name);
    let info;
    try {
      info = await stat(path);
    } catch {
      return undefined; // gone since the folder was read
    }
    if (!info.isFile()) return undefined;
    const version = `${info.size}:${info.mtimeMs}:${info.ino}`;
    const cached = this.cache.get(name);
    if (cached?.version === version) return cached.entry;
    const entry = await describe(path, name, info.size, info.mtime);
    this.cache.set(name, { version, entry });
    return entry;
  }
}

async function describe(path: string, name: string, bytes: number, mtime: Date): Promise<BackupEntry> {
  const named = name.endsWith(BACKUP_EXTENSION);
  const id = named ? name.slice(0, -BACKUP_EXTENSION.length) : name;
  const guessed = DEFAULT_NAME.exec(named ? id : name.replace(PARTIAL, ''))?.[1] ?? null;
  const base: BackupEntry = { id, file: name, status: 'ok', tenant: guessed, takenAt: mtime.toISOString(), bytes, key: null, modules: null, trigger: null, scheduledFor: null, problem: null };
  if (PARTIAL.test(name)) return { ...base, status: 'partial', problem: 'A backup being written, or one whose writer was stopped before it finished.' };
  try {
    const { meta, key } = await backupHeader(createReadStream(path, { start: 0, end: HEADER_BYTES - 1 }));
    const takenAt = validDate(meta['createdAt']);
    return {
      ...base,
      tenant: typeof meta['tenant'] === 'string' ? meta['tenant'] : guessed,
      takenAt: takenAt ?? base.takenAt,
      key,
      modules: parseModules(meta['modules']),
      trigger: meta['trigger'] === 'schedule' ? 'schedule' : 'manual',
      scheduledFor: validDate(meta['scheduledFor']) ?? null,
    };
  } catch (error) {
    const problem = error instanceof BackupUnreadable ? error.message : `Cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)}).`;
    return { ...base, status: named ? 'damaged' : 'not_backup', problem };
  }
}

/** `crm@3,whatsapp@1` → { crm: 3, whatsapp: 1 }; anything else → null. */
function parseModules(text: string | undefined): Record<string, number> | null {
  if (typeof text !== 'string') return null;
  const out: Record<string, number> = {};
  for (const part of text.split(',').filter(Boolean)) {
    const m = /^([a-z][a-z0-9_]*)@(\d+)$/.exec(part);
    if (!m) return null;
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** The modules of a backup as its header holds them (see parseModules). */
export function formatBackupModules(modules: ReadonlyArray<{ name: string; version: number }>): string {
  return modules.map((m) => `${m.name}@${m.version}`).join(',');
}

function validDate(text: string | undefined): string | undefined {
  if (typeof text !== 'string') return undefined;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function byTenantNewestFirst(a: BackupEntry, b: BackupEntry): number {
  if (a.tenant !== b.tenant) {
    if (a.tenant === null) return 1;
    if (b.tenant === null) return -1;
    return a.tenant < b.tenant ? -1 : 1;
  }
  if (a.takenAt !== b.takenAt) return a.takenAt < b.takenAt ? 1 : -1;
  return a.file < b.file ? 1 : -1;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
}
