import { type Hash, createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable, pipeline as pipelineCb } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants as zlib, createDeflate, createInflate } from 'node:zlib';
import { BackupUnreadable, InvalidInput, type IsolationMode, tenantSchemaName } from '@kryonix/domain';
import { type BackupKey, openBackup, sealBackup } from '@kryonix/platform';
import type { AppliedMigration, TenantRecord } from '@kryonix/registry';
import type { TenantServer } from '../tenant-servers';
import { CANONICAL_SETTINGS, TenantDataRepository, type TenantDataTransaction } from '../tenant-data.repository';
import { type BackupManifest, type BackupTable, loadOrder } from './backup-manifest';
import { BackupRecordReader, record } from './backup-records';
import { type SessionTask, runOnSessions } from './parallel-tasks';

/** One line of progress: a table read (backup) or loaded and checked (restore). */
export interface TableProgress {
  table: string;
  rows: number;
  durationMs: number;
  /** The table's canonical checksum. */
  sha256: string;
}

/**
 * A tenant's rows out of one snapshot as a backup's records (`read`), into a file
 * (`writeFile`: compressed, encrypted, 0600, appearing whole or not at all), out of a
 * file (`openFile`) and into a new tenant's storage with every check (`load`). Clone
 * hands `read`'s records straight to `load`.
 */
export class TenantBackups {
  /** `restoreJobs`: sessions a load builds indexes and reads tables back on at a time (KRYONIX_RESTORE_JOBS). */
  constructor(private readonly options: { restoreJobs: number } = { restoreJobs: 2 }) {}

  /**
   * Reads the tenant in one REPEATABLE READ READ ONLY transaction on its server, and hands
   * `consume` the opening manifest and the records (which must be consumed inside it).
   */
  async read<R>(
    tenant: TenantRecord,
    server: TenantServer,
    ledger: readonly AppliedMigration[],
    consume: (manifest: BackupManifest, records: AsyncIterable<Buffer>) => Promise<R>,
    onTable?: (progress: TableProgress) => void,
  ): Promise<R> {
    const moduleOf = new Map(tenant.modules.map((m) => [tenantSchemaName(tenant.id, tenant.mode, m), m]));
    return new TenantDataRepository(server.connector).snapshot(tenant.databaseName, async (tx) => {
      const shapes = loadOrder(await tx.tables([...moduleOf.keys()]));
      const manifest: BackupManifest = {
        format: 'kryonix-backup',
        version: 1,
        tenant: { id: tenant.id, name: tenant.name, mode: tenant.mode },
        server: { name: server.name, version: await tx.serverVersion() },
        createdAt: new Date().toISOString(),
        modules: tenant.modules.map((name) => {
          const migrations = ledger.filter((l) => l.module === name).sort((a, b) => a.version - b.version).map((l) => ({ version: l.version, name: l.name, checksum: l.checksum }));
          return { name, version: migrations.length ? migrations[migrations.length - 1]!.version : 0, migrations };
        }),
        tables: shapes.map((s) => ({ module: moduleOf.get(s.schema)!, table: s.table, columns: s.columns, primaryKey: s.primaryKey, collated: s.collated })),
        sequences: (await tx.sequences([...moduleOf.keys()])).map((s) => ({ module: moduleOf.get(s.schema)!, name: s.name, lastValue: s.lastValue })),
        settings: { ...CANONICAL_SETTINGS },
      };
      const schemaOf = (module: string) => tenantSchemaName(tenant.id, tenant.mode, module);
      return consume(manifest, snapshotRecords(tx, manifest, schemaOf, onTable));
    });
  }

  /**
   * Writes `records` compressed (zlib) and encrypted (backup-cipher) to `path`: first to a
   * file beside it (0600, created exclusively), synced, then renamed, so `path` is whole or
   * absent. Returns its size in bytes.
   */
  async writeFile(path: string, records: AsyncIterable<Buffer>, key: BackupKey, meta: Record<string, string>): Promise<number> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const partial = `${path}.partial-${randomBytes(4).toString('hex')}`;
    let bytes = 0;
    try {
      await pipeline(
        Readable.from(records),
        // the fastest level: on a table's COPY text it compresses within a few per cent of level 6 at about
        // half the time, and the compressor is what a backup waits on (docs/performance.md); any level inflates
        createDeflate({ level: zlib.Z_BEST_SPEED }),
        async function* (compressed: AsyncIterable<Buffer>) {
          for await (const out of sealBackup(compressed, key, meta)) {
            bytes += out.length;
            yield out;
          }
        },
        createWriteStream(partial, { flags: 'wx', mode: 0o600 }),
      );
      const handle = await open(partial, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(partial, path);
      return bytes;
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  }

  /**
   * Opens a backup file (a path, or a file already open: a backup by id is opened once, without
   * following a symbolic link, see openBackupById; the reader closes it): the key is checked
   * first, then every byte read is authenticated, then inflated.
   */
  async openFile(source: string | FileHandle, key: BackupKey): Promise<BackupRecordReader> {
    const file = typeof source === 'string' ? createReadStream(source) : source.createReadStream();
    if (typeof source === 'string') {
      try {
        await new Promise<void>((resolve, reject) => file.once('open', () => resolve()).once('error', reject));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') throw new InvalidInput(`Cannot read the backup file ${source} (${code}).`, { field: 'file' });
        throw error;
      }
    }
    let plain;
    try {
      ({ plain } = await openBackup(file, key));
    } catch (error) {
      file.destroy(); // a wrong key or a file that is no backup: its descriptor closed now
      throw error;
    }
    const inflated = pipelineCb(Readable.from(plain), createInflate(), () => undefined);
    return new BackupRecordReader(inflated);
  }

  /**
   * Reads a backup file to its end without loading it: every chunk authenticated, every
   * record in its place, each table's rows counted and hashed against its end record and
   * the closing manifest. Returns the closing manifest; anything wrong is BackupUnreadable.
   */
  async verifyFile(path: string, key: BackupKey): Promise<BackupManifest> {
    const reader = await this.openFile(path, key);
    try {
      await reader.manifest();
      for await (const section of reader.sections()) {
        const hash = createHash('sha256');
        for await (const chunk of section.data) hash.update(chunk as Buffer);
        const end = section.end();
        if (hash.digest('hex') !== end.sha256) throw new BackupUnreadable('mismatch', `Table ${section.table.module}.${section.table.table}: its rows do not match the checksum the backup gives.`);
      }
      return reader.closingManifest();
    } finally {
      await reader.close();
    }
  }

  /**
   * Loads a backup's tables and sequences into a new tenant's storage (made at the backup's
   * module versions), then makes its keys and indexes and checks each table's row count and
   * canonical checksum read back from the database against the manifest. Any difference is
   * BackupUnreadable('mismatch'). The rows go in one transaction (each table's stream hashed
   * against its end record on the way); the keys, indexes and read-backs then run on up to
   * `restoreJobs` sessions at a time, each statement committing by itself: the storage is not
   * live until the plan that made it activates it, and a failure here is undone with it (the
   * plan's undo, `repair` after a kill, a replace's incoming copy dropped).
   */
  async load(
    server: TenantServer,
    /** `schemaOf`: where a module's tables are, when not the tenant's own names (a replace's incoming copy). */
    target: { id: string; mode: IsolationMode; database: string; schemaOf?: (module: string) => string },
    opening: BackupManifest,
    reader: BackupRecordReader,
    onTable?: (progress: TableProgress) => void,
  ): Promise<{ tables: number; rows: number }> {
    const schemaOf = target.schemaOf ?? ((module: string) => tenantSchemaName(target.id, target.mode, module));
    const key = (module: string, table: string) => `${module}.${table}`;
    const wanted = new Map(opening.tables.map((t) => [key(t.module, t.table), t]));
    const data = new TenantDataRepository(server.connector);
    const { closing, rebuild } = await data.load(target.database, async (tx) => {
      const present = await tx.tables(opening.modules.map((m) => schemaOf(m.name)));
      const moduleOf = new Map(opening.modules.map((m) => [schemaOf(m.name), m.name]));
      const presentKeys = new Map(present.map((p) => [key(moduleOf.get(p.schema)!, p.table), p]));
      const missing = [...wanted.values()].filter((t) => {
        const p = presentKeys.get(key(t.module, t.table));
        return !p || t.columns.some((c) => !p.columns.includes(c));
      });
      const extra = [...presentKeys.keys()].filter((k) => !wanted.has(k));
      if (missing.length || extra.length) {
        throw new BackupUnreadable('mismatch', `The backup's tables do not match its modules' at their versions: ${[...missing.map((t) => `${key(t.module, t.table)} missing or with other columns here`), ...extra.map((k) => `${k} not in the backup`)].join('; ')}.`);
      }
      // keys, foreign keys and indexes are made once the rows are in (see dropConstraintsAndIndexes)
      const rebuild = await tx.dropConstraintsAndIndexes(present);
      const loaded = new Map<string, { rows: number; sha256: string }>();
      for await (const section of reader.sections()) {
        const t = wanted.get(key(section.table.module, section.table.table));
        if (!t || loaded.has(key(t.module, t.table))) throw new BackupUnreadable('format', `The backup holds table ${key(section.table.module, section.table.table)} where its manifest does not (or twice).`);
        const started = performance.now();
        const hash = createHash('sha256');
        const rows = await tx.load({ schema: schemaOf(t.module), table: t.table, columns: t.columns }, hashed(section.data, hash));
        const end = section.end();
        if (rows !== end.rows) throw new BackupUnreadable('mismatch', `Table ${key(t.module, t.table)}: ${rows} rows loaded, the backup says ${end.rows}.`);
        if (hash.digest('hex') !== end.sha256) throw new BackupUnreadable('mismatch', `Table ${key(t.module, t.table)}: its rows do not match the checksum the backup gives.`);
        loaded.set(key(t.module, t.table), end);
        onTable?.({ table: key(t.module, t.table), rows, durationMs: performance.now() - started, sha256: end.sha256 });
      }
      const closing = reader.closingManifest();
      for (const t of closing.tables) {
        const got = loaded.get(key(t.module, t.table));
        if (!got || got.rows !== t.rows || got.sha256 !== t.sha256) throw new BackupUnreadable('mismatch', `Table ${key(t.module, t.table)} differs from the backup's closing manifest.`);
      }
      if (loaded.size !== wanted.size) throw new BackupUnreadable('mismatch', `The backup holds ${loaded.size} of the ${wanted.size} tables its manifest lists.`);
      for (const s of closing.sequences) {
        if (!moduleOf.has(schemaOf(s.module))) throw new BackupUnreadable('format', `Sequence ${s.module}.${s.name} is of a module the backup does not hold.`);
        await tx.setSequence(schemaOf(s.module), s.name, s.lastValue);
      }
      return { closing, rebuild };
    });
    // per table: its keys, then (side by side) its read-back and its other indexes; the largest tables first
    const statements = new Map(rebuild.tables.map((r) => [`${r.schema}.${r.table}`, r]));
    const tasks: Array<SessionTask<TenantDataTransaction> & { rows: number }> = closing.tables.map((t) => {
      const schema = schemaOf(t.module);
      const own = statements.get(`${schema}.${t.table}`);
      const readBack = async (tx: TenantDataTransaction) => {
        // the rows as the database now holds them, in canonical form, against the manifest
        const got = await tx.checksum({ schema, table: t.table, columns: t.columns, primaryKey: t.primaryKey, collated: t.collated });
        if (got.rows !== t.rows || got.sha256 !== t.sha256) throw new BackupUnreadable('mismatch', `Table ${key(t.module, t.table)} reads back with ${got.rows} rows and checksum ${got.sha256.slice(0, 12)}…; the backup says ${t.rows} rows, ${t.sha256?.slice(0, 12)}….`);
      };
      return {
        rows: t.rows ?? 0,
        run: (tx) => tx.restoreConstraintsAndIndexes(own?.keys ?? []),
        then: [{ run: readBack }, ...(own?.indexes ?? []).map((statement) => ({ run: (tx: TenantDataTransaction) => tx.restoreConstraintsAndIndexes([statement]) }))],
      };
    });
    const session = (work: (tx: TenantDataTransaction) => Promise<void>) => data.session(target.database, work);
    await runOnSessions(this.options.restoreJobs, session, tasks.sort((a, b) => b.rows - a.rows));
    await session((tx) => tx.restoreConstraintsAndIndexes(rebuild.foreignKeys));
    return { tables: closing.tables.length, rows: closing.tables.reduce((n, t) => n + (t.rows ?? 0), 0) };
  }
}

/** `data` as it is, each buffer added to `hash` on the way. */
async function* hashed(data: AsyncIterable<Buffer>, hash: Hash): AsyncGenerator<Buffer> {
  for await (const chunk of data) {
    hash.update(chunk);
    yield chunk;
  }
}

/** The records of one snapshot: the opening manifest, each table's rows with its count and checksum, the closing manifest. */
async function* snapshotRecords(tx: TenantDataTransaction, opening: BackupManifest, schemaOf: (module: string) => string, onTable?: (progress: TableProgress) => void): AsyncGenerator<Buffer> {
  yield record('H', opening);
  const tables: BackupTable[] = [];
  for (const t of opening.tables) {
    const started = performance.now();
    yield record('T', { module: t.module, table: t.table });
    const hash = createHash('sha256');
    const shape = { schema: schemaOf(t.module), table: t.table, columns: t.columns, primaryKey: t.primaryKey, collated: t.collated };
    await tx.preferOrderedScan(shape);
    const rows = tx.rows(shape);
    for await (const chunk of rows) {
      const data = chunk as Buffer;
      hash.update(data);
      yield dataHead(data.length);
      yield data;
    }
    const end = { rows: rows.rows, sha256: hash.digest('hex') };
    yield record('E', end);
    tables.push({ ...t, ...end });
    onTable?.({ table: `${t.module}.${t.table}`, rows: end.rows, durationMs: performance.now() - started, sha256: end.sha256 });
  }
  yield record('M', { ...opening, tables });
}

/** A D record's head (its body is sent as it is, not copied). */
function dataHead(length: number): Buffer {
  const head = record('D', Buffer.alloc(0));
  head.writeUInt32BE(length, 1);
  return head;
}
