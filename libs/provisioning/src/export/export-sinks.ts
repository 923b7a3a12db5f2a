import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { InvalidInput } from '@kryonix/domain';

/**
 * Where an export's files go: a directory (0700, files 0600) or one .zip (0600, entries
 * marked 0600). Either is made beside its final name and renamed when complete, so the
 * name holds a whole export or nothing. Files are added one at a time, streamed.
 */
export interface ExportSink {
  add(name: string, data: AsyncIterable<Buffer>): Promise<void>;
  finish(): Promise<void>;
  abort(): Promise<void>;
}

export async function openExportSink(out: string): Promise<ExportSink> {
  const exists = await access(out).then(
    () => true,
    () => false,
  );
  if (exists) throw new InvalidInput(`${out} exists already; an export writes a new directory or .zip file (name one that does not exist).`, { field: 'out' });
  await mkdir(dirname(out), { recursive: true, mode: 0o700 });
  const partial = `${out}.partial-${randomBytes(4).toString('hex')}`;
  return out.toLowerCase().endsWith('.zip') ? zipSink(out, partial) : directorySink(out, partial);
}

async function directorySink(out: string, partial: string): Promise<ExportSink> {
  await mkdir(partial, { mode: 0o700 });
  return {
    add: async (name, data) => {
      const path = join(partial, name);
      await pipeline(Readable.from(data), createWriteStream(path, { flags: 'wx', mode: 0o600 }));
      await syncFile(path);
    },
    finish: () => rename(partial, out),
    abort: () => rm(partial, { recursive: true, force: true }),
  };
}

function zipSink(out: string, partial: string): ExportSink {
  const zip = new ZipFile();
  const file = createWriteStream(partial, { flags: 'wx', mode: 0o600 });
  const written = pipeline(zip.outputStream, file);
  written.catch(() => undefined); // awaited in finish; an early failure surfaces in add's pipeline too
  const mtime = new Date();
  return {
    add: async (name, data) => {
      const entry = new PassThrough();
      zip.addReadStream(entry, name, { mode: 0o100600, mtime });
      await pipeline(Readable.from(data), entry);
    },
    finish: async () => {
      zip.end();
      await written;
      await syncFile(partial);
      await rename(partial, out);
    },
    abort: async () => {
      file.destroy();
      await finished(file).catch(() => undefined);
      await rm(partial, { force: true });
    },
  };
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
