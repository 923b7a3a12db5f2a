import { lookup } from 'node:dns/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { freePort, rejection, testCertificateAuthority, type TestCertificateAuthority } from '@kryonix/testing';
import { KryonixApiError, KryonixSDK as FetchKryonixSDK, type KryonixSDKOptions } from './index';
import { KryonixSDK } from './node';

/**
 * The Node entry and the errors of both entries against real local sockets: a port where
 * nothing listens, a name that does not resolve, a TLS server whose certificate is not
 * trusted or not for the name asked, a server that never answers.
 */
const KEY = 'sk_acme_0123456789abcdef0123456789abcdef';
const PAGE = { items: [], nextCursor: null };

let ca: TestCertificateAuthority;
let tlsServer: HttpsServer;
let tlsPort: number;
let plainServer: HttpServer;
let plainPort: number;
let silent: TcpServer;
let silentPort: number;
const sockets = new Set<Socket>();
const seen: Array<{ host?: string; path?: string }> = [];

const listen = (server: HttpServer | HttpsServer | TcpServer) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
const answer = (req: IncomingMessage, res: import('node:http').ServerResponse) => {
  seen.push({ host: req.headers.host, path: req.url });
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(PAGE));
};

beforeAll(async () => {
  ca = await testCertificateAuthority();
  tlsServer = createHttpsServer(await ca.issue(['acme.localhost']), answer);
  tlsPort = await listen(tlsServer);
  plainServer = createHttpServer(answer);
  plainPort = await listen(plainServer);
  silent = createTcpServer((socket) => sockets.add(socket)); // accepts, never answers
  silentPort = await listen(silent);
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all([tlsServer, plainServer, silent].map((s) => new Promise((resolve) => s?.close(resolve))));
});

const failure = (promise: Promise<unknown>) => rejection(promise, KryonixApiError);

const entries: Array<[string, (options: KryonixSDKOptions & { ca?: string }) => FetchKryonixSDK]> = [
  ['@kryonix/sdk (fetch)', (options) => new FetchKryonixSDK(options)],
  ['@kryonix/sdk/node', (options) => new KryonixSDK(options)],
];

describe('@kryonix/sdk/node', () => {
  it('reaches *.localhost on loopback, keeping the name in Host', async () => {
    const kryonix = new KryonixSDK({ apiKey: KEY, baseUrl: `http://acme.localhost:${plainPort}` });
    expect(await kryonix.crm.leads.list({ status: 'novo' })).toEqual(PAGE);
    expect(seen.at(-1)).toEqual({ host: `acme.localhost:${plainPort}`, path: '/api/crm/leads?status=novo' });
  });

  it('verifies HTTPS with the ca option, the certificate checked for the tenant name', async () => {
    const kryonix = new KryonixSDK({ apiKey: KEY, baseDomain: 'localhost', port: tlsPort, ca: ca.cert });
    expect(kryonix.baseUrl).toBe(`https://acme.localhost:${tlsPort}`);
    expect(await kryonix.crm.leads.list()).toEqual(PAGE);
    expect(await new KryonixSDK({ apiKey: KEY, baseDomain: 'localhost', port: tlsPort, ca: [Buffer.from(ca.cert)] }).crm.leads.list()).toEqual(PAGE);
  });

  it('is the same API as the main entry: one KryonixApiError class, the SDK a subclass', () => {
    expect(new KryonixSDK({ apiKey: KEY })).toBeInstanceOf(FetchKryonixSDK);
    expect(() => new KryonixSDK({ apiKey: 'nope' })).toThrow(KryonixApiError);
  });
});

describe.each(entries)('network errors of %s say what failed', (_entry, sdk) => {
  it('refused: host, port, ECONNREFUSED', async () => {
    const port = await freePort();
    const error = await failure(sdk({ apiKey: KEY, baseUrl: `https://127.0.0.1:${port}` }).crm.leads.list());
    expect(error).toMatchObject({ status: 0, code: 'NETWORK', network: { kind: 'refused', host: '127.0.0.1', port, systemCode: 'ECONNREFUSED' } });
    expect(error.message).toBe(`GET https://127.0.0.1:${port}/api/crm/leads: connection refused by 127.0.0.1:${port} (ECONNREFUSED): nothing listens there; is the data plane running, on this port?`);
  });

  it('unknown host: DNS and its code', async () => {
    const error = await failure(sdk({ apiKey: KEY, baseUrl: 'https://acme.kryonix.invalid:8443' }).crm.leads.list());
    expect(error.network).toMatchObject({ kind: 'dns', host: 'acme.kryonix.invalid', port: 8443 });
    expect(error.network?.systemCode).toMatch(/^(ENOTFOUND|EAI_AGAIN)$/); // EAI_AGAIN where no resolver answers at all
    expect(error.message).toMatch(/^GET https:\/\/acme\.kryonix\.invalid:8443\/api\/crm\/leads: cannot resolve the host name acme\.kryonix\.invalid \((ENOTFOUND|EAI_AGAIN): DNS\)$/);
  });

  it('TLS: a certificate not signed by a trusted CA, with Node’s code and what to do', async () => {
    const error = await failure(sdk({ apiKey: KEY, baseUrl: `https://127.0.0.1:${tlsPort}` }).crm.leads.list());
    expect(error.network).toEqual({ kind: 'tls', host: '127.0.0.1', port: tlsPort, systemCode: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    expect(error.message).toContain(`the certificate of 127.0.0.1:${tlsPort} is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE`);
    expect(error.message).toContain('give its CA certificate as the ca option of @kryonix/sdk/node, or in NODE_EXTRA_CA_CERTS');
  });

  it('timeout: no answer within timeoutMs', async () => {
    const started = Date.now();
    const error = await failure(sdk({ apiKey: KEY, baseUrl: `http://127.0.0.1:${silentPort}`, timeoutMs: 300 }).crm.leads.list());
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error.network).toEqual({ kind: 'timeout', host: '127.0.0.1', port: silentPort, systemCode: 'ETIMEDOUT' });
    expect(error.message).toBe(`GET http://127.0.0.1:${silentPort}/api/crm/leads: no answer from 127.0.0.1:${silentPort} within 300 ms (timeout; the timeoutMs option sets the limit)`);
  });
});

describe('errors that differ between the entries', () => {
  it('Node entry: a certificate for another name is ERR_TLS_CERT_ALTNAME_INVALID, naming the host asked for', async () => {
    const error = await failure(new KryonixSDK({ apiKey: KEY, baseUrl: `https://other.localhost:${tlsPort}`, ca: ca.cert }).crm.leads.list());
    expect(error.network).toEqual({ kind: 'tls', host: 'other.localhost', port: tlsPort, systemCode: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(error.message).toContain(`TLS: the certificate of other.localhost:${tlsPort} is not valid for other.localhost (ERR_TLS_CERT_ALTNAME_INVALID: Host: other.localhost. is not in the cert's altnames: DNS:acme.localhost)`);
  });

  it('Node entry: refused on *.localhost names the name asked for', async () => {
    const port = await freePort();
    const error = await failure(new KryonixSDK({ apiKey: KEY, baseUrl: `https://acme.localhost:${port}` }).crm.leads.list());
    expect(error.network).toEqual({ kind: 'refused', host: 'acme.localhost', port, systemCode: 'ECONNREFUSED' });
    expect(error.message).toMatch(new RegExp(`^GET https://acme\\.localhost:${port}/api/crm/leads: connection refused by acme\\.localhost:${port}( \\(tried 127\\.0\\.0\\.1:${port}, \\[::1\\]:${port}\\))? \\(ECONNREFUSED\\)`));
  });

  it('fetch entry: *.localhost that this system does not resolve says to use @kryonix/sdk/node', async () => {
    const port = await freePort();
    const resolves = await lookup('acme.localhost').then(
      () => true,
      () => false,
    );
    const error = await failure(new FetchKryonixSDK({ apiKey: KEY, baseUrl: `https://acme.localhost:${port}` }).crm.leads.list());
    if (resolves) {
      expect(error.network?.kind).toBe('refused'); // a resolver that knows *.localhost (systemd-resolved, nss-myhostname)
    } else {
      expect(error.network).toEqual({ kind: 'dns', host: 'acme.localhost', port, systemCode: 'ENOTFOUND' });
      expect(error.message).toContain("(ENOTFOUND: DNS); this runtime's fetch does not resolve *.localhost names (Node's does not): in Node use @kryonix/sdk/node");
    }
  });
});
