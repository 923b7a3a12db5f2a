import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import * as tls from 'node:tls';
import type { FetchLike, FetchResponse } from './http';
import { isLocalhostName } from './localhost';

/** PEM text or bytes of one or more CA certificates. */
export type CaCertificates = string | Uint8Array | ReadonlyArray<string | Uint8Array>;

export interface NodeFetchOptions {
  /**
   * CA certificates to trust besides Node's own (its bundled roots and NODE_EXTRA_CA_CERTS),
   * e.g. a private or local CA: PEM text or bytes (`readFileSync(path)`), or a list of them.
   */
  ca?: CaCertificates;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family: number) => void;

const LOOPBACK: LookupAddress[] = [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
];

/** dns.lookup, except that *.localhost is 127.0.0.1 and ::1 without asking the system resolver (which says ENOTFOUND). */
export function loopbackLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  if (!isLocalhostName(hostname)) {
    dnsLookup(hostname, options, callback);
    return;
  }
  const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
  const addresses = LOOPBACK.filter((a) => !family || a.family === family);
  if (options.all) callback(null, addresses, 0);
  else callback(null, addresses[0].address, addresses[0].family);
}

/**
 * What Node trusts by default plus the given CA: passing `ca` to Node replaces its trust
 * store, so the defaults are added back (NODE_EXTRA_CA_CERTS included).
 */
function trustWith(ca: CaCertificates): Array<string | Buffer> {
  const given = (Array.isArray(ca) ? ca : [ca]) as Array<string | Uint8Array>;
  const own = given.map((c) => (typeof c === 'string' ? c : Buffer.from(c)));
  const withDefaults = (tls as { getCACertificates?: (type: 'default') => string[] }).getCACertificates; // Node ≥ 22.15
  if (withDefaults) return [...withDefaults('default'), ...own];
  const extraFile = process.env.NODE_EXTRA_CA_CERTS;
  let extra: string[] = [];
  if (extraFile) {
    try {
      extra = [readFileSync(extraFile, 'utf8')];
    } catch {
      // Node itself warns at start-up when that file cannot be read
    }
  }
  return [...tls.rootCertificates, ...extra, ...own];
}

/**
 * A FetchLike on node:http/node:https for @kryonix/sdk/node: reaches *.localhost on
 * loopback (keeping the name in Host and SNI, so the certificate is checked for it),
 * trusts the given CA besides Node's own, and rejects with Node's own error (code
 * ECONNREFUSED, ENOTFOUND, UNABLE_TO_VERIFY_LEAF_SIGNATURE, …) for the SDK to describe.
 */
export function nodeFetch(options: NodeFetchOptions = {}): FetchLike {
  const ca = options.ca === undefined ? undefined : trustWith(options.ca);
  // keep-alive: one TLS handshake for a run of requests; idle sockets do not hold the process open
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true, ...(ca ? { ca } : {}) }) };
  return (url, init) =>
    new Promise<FetchResponse>((resolve, reject) => {
      const target = new URL(url);
      const secure = target.protocol === 'https:';
      if (!secure && target.protocol !== 'http:') {
        reject(new Error(`unsupported protocol ${target.protocol} in ${url}: expected https: or http:`));
        return;
      }
      const headers: Record<string, string> = { ...init.headers };
      if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
      const send = secure ? httpsRequest : httpRequest;
      const req = send(
        url,
        {
          method: init.method,
          headers,
          agent: secure ? agents.https : agents.http,
          lookup: loopbackLookup as never,
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const body = Buffer.concat(chunks).toString('utf8');
            resolve({
              status,
              ok: status >= 200 && status < 300,
              headers: {
                get(name) {
                  const value = res.headers[name.toLowerCase()];
                  return value === undefined ? null : Array.isArray(value) ? value.join(', ') : String(value);
                },
              },
              text: async () => body,
            });
          });
        },
      );
      req.on('error', reject);
      req.end(init.body);
    });
}
