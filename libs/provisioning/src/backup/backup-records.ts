import { BackupUnreadable } from '@kryonix/domain';
import { ByteReader } from '@kryonix/platform';
import type { BackupManifest, BackupTable } from './backup-manifest';

/**
 * The plain content of a backup (before compression and encryption), and what a clone
 * streams from source to target without a file: a sequence of records
 *
 *   record = u8 kind | u32 length | payload
 *   H  the opening manifest (JSON)        T  a table starts (JSON: module, table)
 *   D  rows in COPY text form (≤ 64 KiB)   E  the table ends (JSON: rows, sha256)
 *   M  the closing manifest (JSON)        — nothing may follow M
 */
const KINDS = { H: 0x48, T: 0x54, D: 0x44, E: 0x45, M: 0x4d } as const;
type Kind = keyof typeof KINDS;
const MAX_RECORD = 8 * 1024 * 1024;

export function record(kind: Kind, payload: Buffer | object): Buffer {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload));
  const head = Buffer.alloc(5);
  head[0] = KINDS[kind];
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** What a table section of a backup gives its reader. */
export interface BackupTableSection {
  table: { module: string; table: string };
  /** Its rows, in COPY text form; read to the end before the next section. */
  data: AsyncIterable<Buffer>;
  /** Row count and checksum the writer recorded (once `data` has been read). */
  end(): { rows: number; sha256: string };
}

/**
 * Reads the records of a backup's plain content in order: the opening manifest, then each
 * table's section, then the closing manifest. Anything out of place is BackupUnreadable.
 */
export class BackupRecordReader {
  private readonly reader: ByteReader;
  private closing?: BackupManifest;

  constructor(plain: AsyncIterable<Buffer>) {
    this.reader = new ByteReader(plain);
  }

  async manifest(): Promise<BackupManifest> {
    const r = await this.next();
    if (r?.kind !== 'H') throw bad('it does not start with a manifest');
    return parseManifest(r.body);
  }

  /** The table sections, in file order; then the closing manifest is available. */
  async *sections(): AsyncGenerator<BackupTableSection> {
    for (;;) {
      const r = await this.next();
      if (!r) throw new BackupUnreadable('truncated', 'The backup ends before its closing manifest.');
      if (r.kind === 'M') {
        this.closing = parseManifest(r.body);
        if (await this.reader.atEnd()) return;
        throw bad('something follows its closing manifest');
      }
      if (r.kind !== 'T') throw bad(`a ${r.kind} record stands where a table should start`);
      const table = json<{ module: string; table: string }>(r.body);
      let end: { rows: number; sha256: string } | undefined;
      const next = () => this.next();
      yield {
        table,
        data: (async function* () {
          for (;;) {
            const d = await next();
            if (!d) throw new BackupUnreadable('truncated', `The backup ends inside table ${table.module}.${table.table}.`);
            if (d.kind === 'E') {
              end = json(d.body);
              return;
            }
            if (d.kind !== 'D') throw bad(`a ${d.kind} record stands inside table ${table.module}.${table.table}`);
            yield d.body;
          }
        })(),
        end: () => {
          if (!end) throw new Error(`table ${table.module}.${table.table} was not read to its end`);
          return end;
        },
      };
      if (!end) throw new Error(`table ${table.module}.${table.table} was not read to its end`);
    }
  }

  /** The closing manifest (after sections() has ended). */
  closingManifest(): BackupManifest {
    if (!this.closing) throw new Error('the closing manifest has not been read yet');
    return this.closing;
  }

  close(): Promise<void> {
    return this.reader.close();
  }

  private async next(): Promise<{ kind: Kind; body: Buffer } | null> {
    const head = await this.reader.read(5);
    if (head === null) return null;
    if (head === 'short') throw new BackupUnreadable('truncated', 'The backup ends inside a record.');
    const kind = (Object.keys(KINDS) as Kind[]).find((k) => KINDS[k] === head[0]);
    const length = head.readUInt32BE(1);
    if (!kind || length > MAX_RECORD) throw bad('a record is not one this version writes');
    const body = length === 0 ? Buffer.alloc(0) : await this.reader.read(length);
    if (body === null || body === 'short') throw new BackupUnreadable('truncated', 'The backup ends inside a record.');
    return { kind, body };
  }
}

const bad = (what: string) => new BackupUnreadable('format', `The backup's content is not in the expected order: ${what}.`);

function json<T>(body: Buffer): T {
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch {
    throw bad('a record holds no valid JSON');
  }
}

function parseManifest(body: Buffer): BackupManifest {
  const m = json<BackupManifest>(body);
  const ok = m?.format === 'kryonix-backup' && m.version === 1 && typeof m.tenant?.id === 'string' && Array.isArray(m.modules) && Array.isArray(m.tables) && Array.isArray(m.sequences);
  if (!ok) throw new BackupUnreadable('format', `This backup's manifest is not one this Kryonix reads (format ${String(m?.format)} version ${String(m?.version)}).`);
  return m;
}

export type { BackupTable };
