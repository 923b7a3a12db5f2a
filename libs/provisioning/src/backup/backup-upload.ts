import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidInput, PayloadTooLarge, Unprocessable } from '@kryonix/domain';
import { newBackupPath } from './backup-id';

/** A body being received: written beside the backups under a hidden name, then kept (`keepAs`) or removed (`discard`). */
export interface ReceivedUpload {
  path: string;
  bytes: number;
  sha256: string;
  keepAs(id: string): Promise<{ id: string; path: string; existing: boolean }>;
  discard(): Promise<void>;
}

/**
 * Streams `body` to a hidden file in the backup folder (0600, created exclusively) with at
 * most `maxBytes`; more is PayloadTooLarge and nothing is kept. Memory stays at a chunk.
 * A declared length over the limit is refused before a byte is read. The request stream is
 * never destroyed here (the answer must still reach the client): past the limit the rest
 * is read and dropped.
 */
export async function receiveUpload(backupDir: string, body: Readable, maxBytes: number, declaredBytes?: number): Promise<ReceivedUpload> {
  const tooLarge = () => new PayloadTooLarge(`The upload is larger than KRYONIX_BACKUP_UPLOAD_MAX (${maxBytes} bytes); nothing was kept.`, { limit: maxBytes });
  if (declaredBytes !== undefined && declaredBytes > maxBytes) {
    body.resume();
    throw tooLarge();
  }
  // the folder's real path (made when missing): the partial file and the kept one are in the same folder
  const folder = dirname(await newBackupPath(backupDir, 'upload'));
  const partial = join(folder, `.upload-${randomBytes(8).toString('hex')}.partial`);
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(partial, { flags: 'wx', mode: 0o600 });
      let failed = false;
      let ended = false;
      const fail = (error: Error) => {
        if (failed) return;
        failed = true;
        body.removeListener('data', onData);
        body.resume(); // the rest is dropped, so the answer can be sent
        out.destroy();
        out.once('close', () => reject(error));
      };
      const onData = (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > maxBytes) return fail(tooLarge());
        hash.update(chunk);
        if (!out.write(chunk)) {
          body.pause();
          out.once('drain', () => body.resume());
        }
      };
      body.on('data', onData);
      body.once('end', () => {
        ended = true;
        if (!failed) out.end();
      });
      body.once('error', (error) => fail(error));
      body.once('close', () => {
        if (!ended) fail(new InvalidInput('The upload was cut off before its end; nothing was kept.'));
      });
      out.once('error', (error) => fail(error));
      out.once('finish', () => {
        if (!failed) resolve();
      });
    });
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  const sha256 = hash.digest('hex');
  const discard = () => rm(partial, { force: true });
  return {
    path: partial,
    bytes,
    sha256,
    discard,
    async keepAs(id) {
      const path = await newBackupPath(backupDir, id);
      try {
        // link, not rename: an existing backup of that id is never replaced
        await link(partial, path);
        return { id, path, existing: false };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        // the same backup uploaded again is that backup; another file of the same id is refused
        if ((await fileSha256(path)) !== sha256) throw new Unprocessable(`Another backup with the id "${id}" is already in the backup folder; nothing was kept.`, { id });
        return { id, path, existing: true };
      } finally {
        await discard();
      }
    },
  };
}

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}
