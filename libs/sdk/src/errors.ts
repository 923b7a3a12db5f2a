import type { NetworkFailure } from './network-error';

/**
 * Every failure of the SDK. `status` is the HTTP status of the data plane's
 * answer (0 when there was none: invalid key, network failure), `code` the
 * error code of its JSON body `{ error: { code, message } }`, e.g.
 * UNAUTHORIZED (401), FORBIDDEN / TENANT_SUSPENDED (403), NOT_FOUND /
 * MODULE_NOT_AVAILABLE / TENANT_NOT_FOUND (404), ROW_CONFLICT (409),
 * UNPROCESSABLE (422), RATE_LIMITED (429), UNAVAILABLE (503), INVALID_INPUT (400);
 * or one of the SDK's own: INVALID_API_KEY, NETWORK, INVALID_RESPONSE, CONFIGURATION.
 * A NETWORK error's message says what failed (host, port, DNS, refused, TLS, timeout)
 * and `network` says it as data.
 */
export class KryonixApiError extends Error {
  override readonly name = 'KryonixApiError';
  /** Set on NETWORK errors: the host and port that could not be reached, and why. */
  readonly network?: NetworkFailure;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** From the Retry-After header (429, 503): seconds to wait before trying again. */
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown; network?: NetworkFailure },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.network) this.network = options.network;
  }
}

/** Codes used when the data plane's answer has no JSON error body. */
const CODE_BY_STATUS: Record<number, string> = {
  400: 'INVALID_INPUT',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'ROW_CONFLICT',
  422: 'UNPROCESSABLE',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
};

export function fallbackCode(status: number): string {
  return CODE_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL' : `HTTP_${status}`);
}

/** Retry-After is either delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}
