import { randomBytes } from 'node:crypto';
import { BackupUnreadable } from '@kryonix/domain';
import { SecretBox } from '../secrets';
import { type BackupKey, backupMeta, openBackup, sealBackup } from './backup-cipher';

const box = new SecretBox(randomBytes(32));
const master: BackupKey = { kind: 'master', box };

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of source) parts.push(p);
  return Buffer.concat(parts);
}
async function* pieces(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}
const seal = async (data: Buffer, key: BackupKey = master, chunk = 1000) => collect(sealBackup(pieces(data, 333), key, { tenant: 'acme' }, chunk));
const open = async (file: Buffer, key: BackupKey = master) => collect((await openBackup(pieces(file, 777), key)).plain);
async function refusal(file: Buffer, key: BackupKey = master): Promise<BackupUnreadable> {
  try {
    await open(file, key);
  } catch (error) {
    if (error instanceof BackupUnreadable) return error;
    throw error;
  }
  throw new Error('the file was accepted');
}

/** Offsets of each chunk in a sealed file (after the header). */
function chunkOffsets(file: Buffer): number[] {
  let at = 8 + 1 + 4 + file.readUInt32BE(9);
  const out: number[] = [];
  while (at < file.length) {
    out.push(at);
    at += 5 + file.readUInt32BE(at + 1) + 16;
  }
  return out;
}

describe('backup cipher', () => {
  const data = randomBytes(10_500);

  it('round-trips any size, in chunks of the given size, the last one flagged final', async () => {
    for (const size of [0, 1, 999, 1000, 1001, 10_500]) expect((await open(await seal(data.subarray(0, size)))).equals(data.subarray(0, size))).toBe(true);
    const file = await seal(data);
    const offsets = chunkOffsets(file);
    expect(offsets).toHaveLength(11);
    expect(offsets.map((o) => file[o])).toEqual([...Array(10).fill(0), 1]);
    expect(await backupMeta(pieces(file, 50))).toEqual({ tenant: 'acme' });
  });

  it('with a passphrase (scrypt), refusing another passphrase and the master key', async () => {
    const file = await seal(data, { kind: 'passphrase', passphrase: 'correct horse battery' });
    expect((await open(file, { kind: 'passphrase', passphrase: 'correct horse battery' })).equals(data)).toBe(true);
    expect(await refusal(file, { kind: 'passphrase', passphrase: 'wrong horse battery' })).toMatchObject({ problem: 'wrong_key', message: 'Wrong passphrase for this backup.' });
    expect((await refusal(file)).message).toContain('encrypted with a passphrase');
  });

  it('refuses another master key before decrypting anything', async () => {
    const other: BackupKey = { kind: 'master', box: new SecretBox(randomBytes(32)) };
    expect((await refusal(await seal(data), other)).problem).toBe('wrong_key');
  });

  it('refuses a flipped byte anywhere: header, chunk frame, ciphertext, tag', async () => {
    const file = await seal(data);
    const offsets = chunkOffsets(file);
    for (const at of [12, 20, offsets[0]! + 1, offsets[3]! + 40, offsets[10]! - 1, file.length - 1]) {
      const damaged = Buffer.from(file);
      damaged[at]! ^= 0x01;
      const e = await refusal(damaged);
      expect(['damaged', 'format', 'wrong_key', 'truncated']).toContain(e.problem);
    }
    const body = Buffer.from(file);
    body[offsets[5]! + 100]! ^= 0x80;
    expect(await refusal(body)).toMatchObject({ problem: 'damaged', message: expect.stringContaining('chunk 5') });
  });

  it('refuses chunks swapped, a chunk dropped, the final chunk cut off, and bytes after it', async () => {
    const file = await seal(data);
    const o = chunkOffsets(file);
    const chunk = (i: number) => file.subarray(o[i]!, o[i + 1] ?? file.length);
    const head = file.subarray(0, o[0]!);
    const swapped = Buffer.concat([head, chunk(1), chunk(0), ...o.slice(2).map((_, i) => chunk(i + 2))]);
    expect((await refusal(swapped)).problem).toBe('damaged');
    const dropped = Buffer.concat([head, chunk(0), ...o.slice(2).map((_, i) => chunk(i + 2))]);
    expect((await refusal(dropped)).problem).toBe('damaged');
    expect((await refusal(file.subarray(0, o[10]!))).problem).toBe('truncated');
    expect((await refusal(file.subarray(0, file.length - 3))).problem).toBe('truncated');
    expect((await refusal(Buffer.concat([file, Buffer.from('x')]))).problem).toBe('damaged');
  });

  it('hands on no byte of a chunk before the chunk has authenticated', async () => {
    const file = await seal(data);
    const o = chunkOffsets(file);
    const damaged = Buffer.from(file);
    damaged[o[2]! + 10]! ^= 0x01;
    const got: Buffer[] = [];
    await expect(
      (async () => {
        for await (const p of (await openBackup(pieces(damaged, 777), master)).plain) got.push(p);
      })(),
    ).rejects.toMatchObject({ problem: 'damaged' });
    expect(Buffer.concat(got).equals(data.subarray(0, 2000))).toBe(true);
  });

  it('refuses what is not a backup', async () => {
    expect((await refusal(Buffer.from('PGDMP not ours'))).problem).toBe('format');
    expect((await refusal(Buffer.alloc(0))).problem).toBe('format');
  });
});
