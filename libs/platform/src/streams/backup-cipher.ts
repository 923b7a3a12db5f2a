import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { BackupUnreadable } from '@kryonix/domain';
import type { SecretBox } from '../secrets';
import { ByteReader } from './byte-reader';

/**
 * A backup file's encryption: AES-256-GCM in authenticated chunks, so a file of any size
 * is written and read with constant memory, and no byte is handed on before the chunk
 * holding it has been authenticated.
 *
 *   file   = "KRYONIXB" | u8 1 | u32 n | header (n bytes of JSON) | chunk … chunk(final)
 *   chunk  = u8 flags (1: the last one) | u32 length | ciphertext | 16-byte tag
 *   nonce  = 4 zero bytes | u64 chunk index
 *   AAD    = SHA-256(everything before the first chunk) | u64 chunk index | u8 flags
 *
 * Each file has a key of its own (a random salt in the header): HKDF from the master key,
 * or scrypt from a passphrase (a backup for another installation). The chunk index and the
 * final flag are authenticated: chunks moved, dropped or cut off at the end are detected;
 * the header too (its hash is in every chunk's AAD). `check` (an HMAC of the key) tells a
 * wrong key or passphrase from a damaged file before anything is decrypted.
 */

const MAGIC = Buffer.from('KRYONIXB');
const FORMAT = 1;
export const BACKUP_CHUNK_BYTES = 64 * 1024;
/** The largest chunk a reader accepts: a damaged length must not make it buffer gigabytes. */
const MAX_CHUNK_BYTES = 1024 * 1024;
const MAX_HEADER_BYTES = 64 * 1024;
const TAG_BYTES = 16;
const SCRYPT = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_PURPOSE = 'backup:v1';

/** Where a file's key comes from. */
export type BackupKey = { kind: 'master'; box: SecretBox } | { kind: 'passphrase'; passphrase: string };

interface SealedHeader {
  cipher: 'aes-256-gcm';
  chunkBytes: number;
  key: { kind: 'master'; salt: string } | { kind: 'passphrase'; salt: string; N: number; r: number; p: number };
  check: string;
  /** Facts about the file readable without its key (tenant, time): authenticated with the rest. */
  meta: Record<string, string>;
}

/** Encrypts `plain` into a backup file's bytes (header first, then the chunks). */
export async function* sealBackup(plain: AsyncIterable<Buffer>, source: BackupKey, meta: Record<string, string>, chunkBytes = BACKUP_CHUNK_BYTES): AsyncGenerator<Buffer> {
  const salt = randomBytes(32);
  const keyInfo: SealedHeader['key'] = source.kind === 'master' ? { kind: 'master', salt: salt.toString('base64') } : { kind: 'passphrase', salt: salt.toString('base64'), ...SCRYPT };
  const key = await fileKey(source, keyInfo);
  const header: SealedHeader = { cipher: 'aes-256-gcm', chunkBytes, key: keyInfo, check: keyCheck(key), meta };
  const prefix = framedHeader(Buffer.from(JSON.stringify(header)));
  yield prefix;
  const headerHash = createHash('sha256').update(prefix).digest();
  let index = 0n;
  let pending: Buffer[] = [];
  let size = 0;
  for await (const piece of plain) {
    pending.push(piece);
    size += piece.length;
    // strictly more than a chunk: the chunk sent now is not the last one
    while (size > chunkBytes) {
      const all = Buffer.concat(pending, size);
      yield sealChunk(key, headerHash, index++, all.subarray(0, chunkBytes), false);
      pending = [all.subarray(chunkBytes)];
      size -= chunkBytes;
    }
  }
  yield sealChunk(key, headerHash, index, Buffer.concat(pending, size), true);
}

/** The facts a backup file shows without its key, or BackupUnreadable('format'). */
export async function backupMeta(source: AsyncIterable<Buffer>): Promise<Record<string, string>> {
  return (await backupHeader(source)).meta;
}

/** What a backup's header tells without its key: its facts and where its key comes from (BackupUnreadable when it is not one). */
export async function backupHeader(source: AsyncIterable<Buffer>): Promise<{ meta: Record<string, string>; key: BackupKey['kind'] }> {
  const reader = new ByteReader(source);
  try {
    const { header } = await readHeader(reader);
    return { meta: header.meta, key: header.key.kind };
  } finally {
    await reader.close();
  }
}

/**
 * Opens a backup file: checks the key against the header first (BackupUnreadable
 * 'wrong_key'), then yields each chunk's plaintext once its tag has been verified.
 * A damaged chunk, chunks out of order, a missing final chunk or bytes after it fail
 * the iteration with BackupUnreadable ('damaged', 'truncated').
 */
export async function openBackup(source: AsyncIterable<Buffer>, keySource: BackupKey): Promise<{ meta: Record<string, string>; plain: AsyncGenerator<Buffer> }> {
  const reader = new ByteReader(source);
  try {
    const { header, prefix } = await readHeader(reader);
    if (header.key.kind !== keySource.kind) {
      await reader.close();
      throw new BackupUnreadable(
        'wrong_key',
        header.key.kind === 'passphrase' ? 'This backup is encrypted with a passphrase; give it with --passphrase-file.' : "This backup is encrypted with its installation's master key, not a passphrase; restore it without --passphrase-file where KRYONIX_MASTER_KEY is the one it was made with.",
      );
    }
    const key = await fileKey(keySource, header.key);
    const expected = Buffer.from(header.check, 'base64');
    const actual = Buffer.from(keyCheck(key), 'base64');
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      await reader.close();
      throw new BackupUnreadable('wrong_key', keySource.kind === 'passphrase' ? 'Wrong passphrase for this backup.' : 'This backup was made with another master key (KRYONIX_MASTER_KEY); restore it where that key is set, or make it with --passphrase-file.');
    }
    return { meta: header.meta, plain: openChunks(reader, key, createHash('sha256').update(prefix).digest(), header.chunkBytes) };
  } catch (error) {
    await reader.close();
    throw error;
  }
}

async function* openChunks(reader: ByteReader, key: Buffer, headerHash: Buffer, chunkBytes: number): AsyncGenerator<Buffer> {
  try {
    for (let index = 0n; ; index++) {
      const frame = await reader.read(5);
      if (frame === null || frame === 'short') throw new BackupUnreadable('truncated', 'The backup file ends before its last chunk: it was cut off (an interrupted copy or a full disk?).');
      const flags = frame[0]!;
      const length = frame.readUInt32BE(1);
      if (flags > 1 || length > Math.min(MAX_CHUNK_BYTES, chunkBytes + 1024) + TAG_BYTES) throw damaged(index);
      const body = await reader.read(length + TAG_BYTES);
      if (body === null || body === 'short') throw new BackupUnreadable('truncated', 'The backup file ends inside a chunk: it was cut off (an interrupted copy or a full disk?).');
      const decipher = createDecipheriv('aes-256-gcm', key, nonceOf(index));
      decipher.setAAD(aadOf(headerHash, index, flags));
      decipher.setAuthTag(body.subarray(length));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(body.subarray(0, length)), decipher.final()]);
      } catch {
        throw damaged(index);
      }
      if (plain.length) yield plain;
      if (flags === 1) {
        if (!(await reader.atEnd())) throw new BackupUnreadable('damaged', 'The backup file has bytes after its last chunk: it is damaged or two files were joined.');
        return;
      }
    }
  } finally {
    await reader.close();
  }
}

const damaged = (index: bigint) => new BackupUnreadable('damaged', `The backup file is damaged: chunk ${index} does not authenticate (changed bytes, or chunks out of order).`);

async function readHeader(reader: ByteReader): Promise<{ header: SealedHeader; prefix: Buffer }> {
  const notBackup = () => new BackupUnreadable('format', 'Not a Kryonix backup file (it does not start with the backup header).');
  const start = await reader.read(MAGIC.length + 5);
  if (start === null || start === 'short' || !start.subarray(0, MAGIC.length).equals(MAGIC)) throw notBackup();
  if (start[MAGIC.length] !== FORMAT) throw new BackupUnreadable('format', `This backup has format ${start[MAGIC.length]}; this Kryonix reads format ${FORMAT}.`);
  const length = start.readUInt32BE(MAGIC.length + 1);
  if (length > MAX_HEADER_BYTES) throw notBackup();
  const json = await reader.read(length);
  if (json === null || json === 'short') throw new BackupUnreadable('truncated', 'The backup file ends inside its header.');
  let header: SealedHeader;
  try {
    header = JSON.parse(json.toString('utf8')) as SealedHeader;
  } catch {
    throw notBackup();
  }
  const k = header?.key;
  const valid =
    header?.cipher === 'aes-256-gcm' &&
    Number.isInteger(header.chunkBytes) && header.chunkBytes > 0 && header.chunkBytes <= MAX_CHUNK_BYTES &&
    typeof header.check === 'string' && typeof header.meta === 'object' && header.meta !== null &&
    typeof k?.salt === 'string' &&
    (k.kind === 'master' || (k.kind === 'passphrase' && [k.N, k.r, k.p].every(Number.isInteger) && k.N >= 2 ** 14 && k.N <= 2 ** 20 && k.r >= 1 && k.r <= 16 && k.p >= 1 && k.p <= 4));
  if (!valid) throw notBackup();
  return { header, prefix: Buffer.concat([start, json]) };
}

function framedHeader(json: Buffer): Buffer {
  const start = Buffer.alloc(MAGIC.length + 5);
  MAGIC.copy(start);
  start[MAGIC.length] = FORMAT;
  start.writeUInt32BE(json.length, MAGIC.length + 1);
  return Buffer.concat([start, json]);
}

function sealChunk(key: Buffer, headerHash: Buffer, index: bigint, plain: Buffer, final: boolean): Buffer {
  const flags = final ? 1 : 0;
  const cipher = createCipheriv('aes-256-gcm', key, nonceOf(index));
  cipher.setAAD(aadOf(headerHash, index, flags));
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  const frame = Buffer.alloc(5);
  frame[0] = flags;
  frame.writeUInt32BE(data.length, 1);
  return Buffer.concat([frame, data, cipher.getAuthTag()]);
}

function nonceOf(index: bigint): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64BE(index, 4);
  return nonce;
}

function aadOf(headerHash: Buffer, index: bigint, flags: number): Buffer {
  const tail = Buffer.alloc(9);
  tail.writeBigUInt64BE(index, 0);
  tail[8] = flags;
  return Buffer.concat([headerHash, tail]);
}

function keyCheck(key: Buffer): string {
  return createHmac('sha256', key).update('kryonix backup key check').digest().subarray(0, 16).toString('base64');
}

async function fileKey(source: BackupKey, info: SealedHeader['key']): Promise<Buffer> {
  const salt = Buffer.from(info.salt, 'base64');
  if (source.kind === 'master') return source.box.deriveKey(KEY_PURPOSE, salt);
  if (info.kind !== 'passphrase') throw new Error('unreachable: key kinds checked by the caller');
  const { N, r, p } = info;
  return new Promise((resolve, reject) =>
    scrypt(source.passphrase.normalize('NFKC'), salt, 32, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}
