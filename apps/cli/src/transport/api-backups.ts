import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { dirname, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { InvalidInput, KryonixError, isErrorCode } from '@kryonix/domain';

/**
 * The two requests of the backup routes whose body is a file, not JSON: a download
 * streamed to a file (0600, written beside and renamed, checked against the SHA-256 the
 * backup job gave), and an upload streamed from one. Neither holds the file in memory.
 */
export interface FileRequestTarget {
  baseUrl: string;
  headers: Record<string, string>;
}

function send(target: FileRequestTarget, method: string, path: string, headers: Record<string, string>): { req: ReturnType<typeof httpRequest>; response: Promise<IncomingMessage> } {
  const all = { ...target.headers, ...headers };
  let req!: ReturnType<typeof httpRequest>;
  const response = new Promise<IncomingMessage>((resolveResponse, reject) => {
    if (target.baseUrl.startsWith('unix:')) req = httpRequest({ socketPath: target.baseUrl.slice(5), path, method, headers: all }, resolveResponse);
    else {
      const url = new URL(path, target.baseUrl);
      req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method, headers: all }, resolveResponse);
    }
    req.on('error', reject);
  });
  return { req, response };
}

/** A refusal of the control plane as the domain error it names. */
async function refusal(res: IncomingMessage): Promise<KryonixError> {
  let text = '';
  res.setEncoding('utf8');
  for await (const chunk of res) text += chunk as string;
  let err: { code?: string; message?: string } | undefined;
  try {
    err = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
  } catch {
    err = undefined;
  }
  return new KryonixError(isErrorCode(err?.code) ? err.code : 'INTERNAL', err?.message ?? `The control plane answered ${res.statusCode}.`);
}

/** GET `path` into `out` (0600); the file appears only whole and with the expected SHA-256. */
export async function downloadTo(target: FileRequestTarget, path: string, out: string, sha256: string | undefined): Promise<{ file: string; bytes: number }> {
  const file = resolve(out);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const partial = `${file}.partial-${randomBytes(4).toString('hex')}`;
  const { req, response } = send(target, 'GET', path, {});
  req.end();
  const res = await response;
  if ((res.statusCode ?? 0) >= 400) throw await refusal(res);
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    await pipeline(
      res,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          hash.update(chunk);
          bytes += chunk.length;
          yield chunk;
        }
      },
      createWriteStream(partial, { flags: 'wx', mode: 0o600 }),
    );
    const got = hash.digest('hex');
    if (sha256 && got !== sha256) throw new KryonixError('BACKUP_UNREADABLE', `The downloaded file's SHA-256 (${got.slice(0, 12)}…) is not the backup's (${sha256.slice(0, 12)}…); nothing was kept. Download it again.`, { problem: 'damaged' });
    await rename(partial, file);
    return { file, bytes };
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

/** POST the file at `path` as `application/octet-stream`; the control plane's JSON answer. */
export async function uploadFrom<T>(target: FileRequestTarget, path: string, file: string, headers: Record<string, string>): Promise<T> {
  let size: number;
  try {
    const s = await stat(file);
    if (!s.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    size = s.size;
  } catch (error) {
    throw new InvalidInput(`Cannot read the backup file ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`, { field: 'file' });
  }
  const { req, response } = send(target, 'POST', path, { 'content-type': 'application/octet-stream', 'content-length': String(size), ...headers });
  // the server may answer (413, 401) before it has read everything: its answer counts, not the broken pipe
  const sent = pipeline(createReadStream(file), req).catch(() => undefined);
  const res = await response;
  await sent;
  if ((res.statusCode ?? 0) >= 400) throw await refusal(res);
  let text = '';
  res.setEncoding('utf8');
  for await (const chunk of res) text += chunk as string;
  return JSON.parse(text) as T;
}
