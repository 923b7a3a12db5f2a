import { fallbackCode, KryonixApiError, parseRetryAfter } from './errors';
import { describeNetworkFailure } from './network-error';

/** What the SDK needs of a response: the global fetch's Response has all of it. */
export interface FetchResponse {
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** What the SDK passes to fetch: the global fetch accepts it, and so can a custom one. */
export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Aborted when the SDK's timeout passes: the request should stop then. */
  signal?: AbortSignal;
}

/** The global fetch (browsers, Node 18+, edge runtimes) or any function with its shape. */
export type FetchLike = (url: string, init: FetchInit) => Promise<FetchResponse>;

export type QueryValue = string | number | boolean | null | undefined;

/** How long a request may take, answer included, unless timeoutMs says otherwise. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** One JSON request to the data plane: authorization, JSON in and out, errors as KryonixApiError. */
export class HttpClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string,
    private readonly fetchFn: FetchLike,
    private readonly extraHeaders: Record<string, string> = {},
    /** 0: no limit. */
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
    /** Whether fetchFn is the runtime's own fetch (then an unresolved *.localhost gets a hint). */
    private readonly viaGlobalFetch = false,
  ) {}

  url(path: string, query: Record<string, QueryValue> = {}): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null) params.append(key, String(value));
    }
    const search = params.toString();
    return `${this.baseUrl}${path}${search ? `?${search}` : ''}`;
  }

  async request<T>(method: string, path: string, options: { query?: Record<string, QueryValue>; body?: unknown } = {}): Promise<T> {
    const url = this.url(path, options.query);
    const headers: Record<string, string> = { ...this.extraHeaders, accept: 'application/json', authorization: `Bearer ${this.apiKey}` };
    const init: FetchInit = { method, headers };
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(options.body);
    }
    let response: FetchResponse;
    let text: string;
    let timedOut = false;
    const abort = typeof AbortController === 'function' && this.timeoutMs > 0 ? new AbortController() : undefined;
    const timer = abort
      ? setTimeout(() => {
          timedOut = true;
          abort.abort();
        }, this.timeoutMs)
      : undefined;
    if (abort) init.signal = abort.signal;
    try {
      response = await this.fetchFn(url, init);
      text = await response.text();
    } catch (error) {
      const { message, failure } = describeNetworkFailure(error, url, { timedOutAfterMs: timedOut ? this.timeoutMs : undefined, viaGlobalFetch: this.viaGlobalFetch });
      throw new KryonixApiError(0, 'NETWORK', `${method} ${url}: ${message}`, undefined, { cause: error, network: failure });
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) throw errorOf(response, text, method, path);
    if (response.status === 204 || text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new KryonixApiError(response.status, 'INVALID_RESPONSE', `${method} ${path}: the answer is not JSON: ${text.slice(0, 200)}`, undefined, { cause: error });
    }
  }
}

function errorOf(response: FetchResponse, text: string, method: string, path: string): KryonixApiError {
  let code: string | undefined;
  let message: string | undefined;
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (body && typeof body.error === 'object' && body.error) {
      if (typeof body.error.code === 'string') code = body.error.code;
      if (typeof body.error.message === 'string') message = body.error.message;
    }
  } catch {
    // not JSON: a proxy or load balancer answered
  }
  return new KryonixApiError(
    response.status,
    code ?? fallbackCode(response.status),
    message ?? `${method} ${path} failed with HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
    parseRetryAfter(response.headers.get('retry-after')),
  );
}
