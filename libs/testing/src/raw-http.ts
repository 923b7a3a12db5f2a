import { connect as connectTcp } from 'node:net';
import { connect as connectTls } from 'node:tls';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** The body as text (chunked transfer decoded); parsed JSON when the answer says it is JSON. */
  body: any;
}

export interface RawRequest {
  port: number;
  method: string;
  /** The request target exactly as sent, bytes included (a string is sent as latin1, one byte per char). */
  target: string | Buffer;
  /** Header lines in order, duplicates allowed: [name, value] (values sent as latin1). */
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: string | Buffer;
  /** HTTPS: trust this CA and send this SNI name. */
  tls?: { ca: string | Buffer; servername: string };
  timeoutMs?: number;
  /** Send from this local address (any 127.x.y.z works on Linux: a client address of its own). */
  localAddress?: string;
}

/**
 * One HTTP/1.1 request written byte by byte on a fresh socket: what a client library
 * would refuse to send (raw non-UTF-8 bytes in the target, two Host headers) reaches the
 * server as is. Content-Length is added when there is a body and none is given.
 */
export function rawRequest(req: RawRequest): Promise<RawResponse> {
  const body = typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : req.body;
  const headers = [...(req.headers ?? [])];
  if (body && !headers.some(([n]) => n.toLowerCase() === 'content-length' || n.toLowerCase() === 'transfer-encoding')) headers.push(['content-length', String(body.length)]);
  headers.push(['connection', 'close']);
  const head = Buffer.concat([
    Buffer.from(`${req.method} `, 'latin1'),
    typeof req.target === 'string' ? Buffer.from(req.target, 'latin1') : req.target,
    Buffer.from(` HTTP/1.1\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`, 'latin1'),
  ]);
  return new Promise((resolve, reject) => {
    const socket = req.tls
      ? connectTls({ ca: req.tls.ca, servername: req.tls.servername, ...(req.localAddress ? { socket: connectTcp({ host: '127.0.0.1', port: req.port, localAddress: req.localAddress }) } : { host: '127.0.0.1', port: req.port }) })
      : connectTcp({ host: '127.0.0.1', port: req.port, localAddress: req.localAddress });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${req.timeoutMs ?? 30_000} ms`)), req.timeoutMs ?? 30_000);
    socket.once(req.tls ? 'secureConnect' : 'connect', () => {
      socket.write(body ? Buffer.concat([head, body]) : head);
    });
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      try {
        resolve(parseResponse(Buffer.concat(chunks)));
      } catch (error) {
        reject(error);
      }
    });
  });
}

function parseResponse(raw: Buffer): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no HTTP answer (got ${raw.length} bytes: ${JSON.stringify(raw.subarray(0, 200).toString('latin1'))})`);
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  if (!status) throw new Error(`not an HTTP status line: ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let payload = raw.subarray(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) payload = dechunk(payload);
  const text = payload.toString('utf8');
  return { status, headers, body: /json/.test(headers['content-type'] ?? '') && text ? JSON.parse(text) : text };
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (!size) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
