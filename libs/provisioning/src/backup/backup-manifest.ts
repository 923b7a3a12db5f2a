import type { IsolationMode } from '@kryonix/domain';

/** One table of a backup. */
export interface BackupTable {
  module: string;
  table: string;
  columns: string[];
  primaryKey: string[];
  collated: string[];
  /** Known once the table has been read (the closing manifest). */
  rows?: number;
  /** SHA-256 of the table's canonical text form (rows in primary-key order, CANONICAL_SETTINGS). */
  sha256?: string;
}

/**
 * What a backup holds, written at its start (tables without counts) and again at its end
 * (complete): the tenant, the modules at their versions with each migration's checksum,
 * every table with its row count and checksum, the sequences.
 */
export interface BackupManifest {
  format: 'kryonix-backup';
  version: 1;
  tenant: { id: string; name: string; mode: IsolationMode };
  /** The server it was taken from, and that server's PostgreSQL version. */
  server: { name: string; version: string };
  createdAt: string;
  modules: Array<{ name: string; version: number; migrations: Array<{ version: number; name: string; checksum: string }> }>;
  /** In load order (a table after the tables it references). */
  tables: BackupTable[];
  sequences: Array<{ module: string; name: string; lastValue: string | null }>;
  /** The session settings the text forms and checksums were taken under. */
  settings: Record<string, string>;
}

/** Tables in an order that loads: each after those it references (ties by name; a cycle keeps the remaining order). */
export function loadOrder<T extends { schema: string; table: string; references: ReadonlyArray<{ schema: string; table: string }> }>(tables: readonly T[]): T[] {
  const key = (t: { schema: string; table: string }) => `${t.schema}.${t.table}`;
  const byKey = new Map(tables.map((t) => [key(t), t]));
  const out: T[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (t: T) => {
    const k = key(t);
    if (state.get(k)) return; // done, or a cycle: the foreign key check at the end of each COPY then decides
    state.set(k, 'visiting');
    for (const r of t.references) {
      const dep = byKey.get(key(r));
      if (dep) visit(dep);
    }
    state.set(k, 'done');
    out.push(t);
  };
  [...tables].sort((a, b) => key(a).localeCompare(key(b))).forEach(visit);
  return out;
}
