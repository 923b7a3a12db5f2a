import { isLocalhostName } from './localhost';

/** What kind of failure kept a request from getting an answer. */
export type NetworkFailureKind = 'dns' | 'refused' | 'tls' | 'timeout' | 'reset' | 'other';

/** Where and why a request got no answer (KryonixApiError.network, code NETWORK). */
export interface NetworkFailure {
  kind: NetworkFailureKind;
  /** The host name of the URL, as the request was sent. */
  host: string;
  port: number;
  /** The runtime's error code: ENOTFOUND, ECONNREFUSED, UNABLE_TO_VERIFY_LEAF_SIGNATURE, ERR_TLS_CERT_ALTNAME_INVALID, … */
  systemCode?: string;
}

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  reason?: unknown;
  address?: unknown;
  port?: unknown;
  cause?: unknown;
  errors?: unknown;
}

const TRUST_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

const isObject = (value: unknown): value is ErrorLike => typeof value === 'object' && value !== null;

/**
 * The error that says what failed, under the wrappers runtimes put around it: Node's
 * fetch (undici) rejects with TypeError('fetch failed') whose `cause` is the socket's
 * error; a connection tried on several addresses fails with an AggregateError of one
 * error per address.
 */
function rootCause(error: unknown): { root: ErrorLike | undefined; attempts: ErrorLike[] } {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && isObject(current); depth++) {
    if (Array.isArray(current.errors) && current.errors.some(isObject)) {
      const attempts = current.errors.filter(isObject);
      return { root: attempts.find((e) => typeof e.code === 'string') ?? attempts[0], attempts };
    }
    if (typeof current.code === 'string' || !isObject(current.cause)) return { root: current, attempts: [] };
    current = current.cause;
  }
  return { root: isObject(current) ? current : undefined, attempts: [] };
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * A sentence saying why `method url` got no answer (host, port, and whether it was DNS,
 * a refused connection, TLS or a timeout, with the runtime's code), for the NETWORK error.
 * `viaGlobalFetch`: the request went through the runtime's fetch, which may not resolve *.localhost.
 */
export function describeNetworkFailure(error: unknown, url: string, options: { timedOutAfterMs?: number; viaGlobalFetch?: boolean } = {}): { message: string; failure: NetworkFailure } {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = target.port ? Number(target.port) : target.protocol === 'http:' ? 80 : 443;
  const where = `${target.hostname}:${port}`;
  if (options.timedOutAfterMs !== undefined) {
    return { message: `no answer from ${where} within ${options.timedOutAfterMs} ms (timeout; the timeoutMs option sets the limit)`, failure: { kind: 'timeout', host, port, systemCode: 'ETIMEDOUT' } };
  }
  const { root, attempts } = rootCause(error);
  const code = text(root?.code);
  const detail = text(root?.message) || (error instanceof Error ? error.message : String(error));
  const failure = (kind: NetworkFailureKind): NetworkFailure => ({ kind, host, port, ...(code ? { systemCode: code } : {}) });
  const tried = attempts
    .filter((a) => typeof a.address === 'string')
    .map((a) => `${String(a.address).includes(':') ? `[${String(a.address)}]` : String(a.address)}:${String(a.port ?? port)}`);
  switch (true) {
    case code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL': {
      const hint =
        isLocalhostName(host) && options.viaGlobalFetch
          ? `; this runtime's fetch does not resolve *.localhost names (Node's does not): in Node use @kryonix/sdk/node, which reaches them on loopback as browsers and curl do`
          : '';
      return { message: `cannot resolve the host name ${target.hostname} (${code}: DNS)${hint}`, failure: failure('dns') };
    }
    case code === 'ECONNREFUSED':
      return {
        message: `connection refused by ${where}${tried.length > 1 ? ` (tried ${tried.join(', ')})` : ''} (ECONNREFUSED): nothing listens there; is the data plane running, on this port?`,
        failure: failure('refused'),
      };
    case code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT':
      return { message: `no answer from ${where} (${code}: timeout)`, failure: failure('timeout') };
    case code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET':
      return { message: `the connection to ${where} closed before an answer (${code}: ${detail})`, failure: failure('reset') };
    case code === 'ERR_TLS_CERT_ALTNAME_INVALID': {
      const reason = text(root?.reason) || detail;
      return { message: `TLS: the certificate of ${where} is not valid for ${target.hostname} (${code}: ${reason})`, failure: failure('tls') };
    }
    case TRUST_CODES.has(code):
      return {
        message: `TLS: the certificate of ${where} is not trusted (${code}: ${detail}): give its CA certificate as the ca option of @kryonix/sdk/node, or in NODE_EXTRA_CA_CERTS`,
        failure: failure('tls'),
      };
    case /CERT|SSL|TLS/.test(code):
      return { message: `TLS with ${where} failed (${code}: ${detail})`, failure: failure('tls') };
    default:
      return { message: `request to ${where} failed (${code ? `${code}: ` : ''}${detail})`, failure: failure('other') };
  }
}
