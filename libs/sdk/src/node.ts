/**
 * @kryonix/sdk/node: the same API as @kryonix/sdk, with a transport on node:https
 * instead of fetch, for what Node needs: `*.localhost` reached on loopback (Node's
 * resolver says ENOTFOUND for acme.localhost, browsers and curl do not), a `ca`
 * option for a private CA, and NODE_EXTRA_CA_CERTS honoured.
 */
import { KryonixSDK as FetchKryonixSDK, type KryonixSDKOptions } from './client';
import { nodeFetch, type CaCertificates } from './node-fetch';

export * from './index';
export { nodeFetch, type CaCertificates, type NodeFetchOptions } from './node-fetch';

export interface KryonixNodeSDKOptions extends KryonixSDKOptions {
  /**
   * CA certificates to trust besides Node's own (its roots and NODE_EXTRA_CA_CERTS): PEM
   * text or bytes, e.g. `readFileSync('<KRYONIX_HOME>/tls/ca.crt')`, or a list of them.
   * Ignored when `fetch` is given.
   */
  ca?: CaCertificates;
}

/**
 * The Kryonix data plane API of one tenant, for Node:
 *
 *   import { KryonixSDK } from '@kryonix/sdk/node';
 *   const kryonix = new KryonixSDK({ apiKey: process.env.KRYONIX_API_KEY!, baseUrl: process.env.KRYONIX_URL, ca: readFileSync(caFile) });
 */
export class KryonixSDK extends FetchKryonixSDK {
  constructor(options: KryonixNodeSDKOptions) {
    super({ ...options, fetch: options?.fetch ?? nodeFetch({ ca: options?.ca }) });
  }
}
