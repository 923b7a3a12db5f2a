import { tenantIdFromApiKey } from '@kryonix/domain';
import { KryonixApiError } from './errors';
import { DEFAULT_TIMEOUT_MS, FetchLike, HttpClient } from './http';
import { KryonixModules } from './modules';

export interface KryonixSDKOptions {
  /** The tenant's API key, sk_<tenant>_<32 hex>: the tenant id is read from it. */
  apiKey: string;
  /** The data plane's URL; default https://<tenant>.<baseDomain>[:<port>]. */
  baseUrl?: string;
  /** The Kryonix base domain (KRYONIX_BASE_DOMAIN of the data plane); default localhost. */
  baseDomain?: string;
  /** The data plane's port when not 443. */
  port?: number;
  /** A fetch to use instead of the global one (tests, proxies, custom TLS). */
  fetch?: FetchLike | typeof fetch;
  /** Extra headers sent with every request (e.g. a tracing header). */
  headers?: Record<string, string>;
  /** How long a request may take, answer included, in milliseconds; default 30000, 0 for no limit. */
  timeoutMs?: number;
}

/**
 * The Kryonix data plane API of one tenant: one property per module (see
 * KryonixModules), one Resource per table of the module.
 *
 *   const kryonix = new KryonixSDK({ apiKey: process.env.KRYONIX_API_KEY!, baseDomain: 'kryonix.example.com' });
 *   const lead = await kryonix.crm.leads.create({ nome: 'Maria Silva', telefone: '11999990000' });
 *   const { items, nextCursor } = await kryonix.crm.leads.list({ status: 'novo' }, { limit: 20 });
 *
 * Uses only fetch: it runs in browsers, edge runtimes and Node 18+.
 */
export class KryonixSDK extends KryonixModules {
  readonly tenantId: string;
  readonly baseUrl: string;

  constructor(options: KryonixSDKOptions) {
    const tenantId = typeof options?.apiKey === 'string' ? tenantIdFromApiKey(options.apiKey) : undefined;
    if (!tenantId) throw new KryonixApiError(0, 'INVALID_API_KEY', 'Invalid API key: expected sk_<tenant id>_<32 lowercase hex characters>.');
    const baseUrl = (options.baseUrl ?? defaultBaseUrl(tenantId, options.baseDomain, options.port)).replace(/\/+$/, '');
    const given = options.fetch as FetchLike | undefined;
    const global = (globalThis as { fetch?: FetchLike }).fetch;
    if (!given && typeof global !== 'function') throw new KryonixApiError(0, 'CONFIGURATION', 'No global fetch in this runtime: pass the fetch option.');
    // called through a wrapper: a browser's fetch must not be called as a method of another object
    const fetchFn: FetchLike = given ?? ((url, init) => global!(url, init));
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > 2_147_483_647) {
      throw new KryonixApiError(0, 'CONFIGURATION', `Invalid timeoutMs ${options.timeoutMs}: expected whole milliseconds from 0 (no limit) to 2147483647.`);
    }
    // one property per module (kryonix.crm, …), from the generated modules.ts
    super(new HttpClient(baseUrl, options.apiKey, fetchFn, options.headers, timeoutMs, !given));
    this.tenantId = tenantId;
    this.baseUrl = baseUrl;
  }
}

function defaultBaseUrl(tenantId: string, baseDomain = 'localhost', port?: number): string {
  const domain = baseDomain.trim().replace(/^\.+|\.+$/g, '').toLowerCase();
  if (!domain) throw new KryonixApiError(0, 'CONFIGURATION', 'baseDomain is empty.');
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) throw new KryonixApiError(0, 'CONFIGURATION', `Invalid port ${port}.`);
  return `https://${tenantId}.${domain}${port ? `:${port}` : ''}`;
}
