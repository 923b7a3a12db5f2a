import { rejection } from '@kryonix/testing';
import { FetchInit, FetchLike, KryonixApiError, KryonixSDK, MODULE_TABLES, parseRetryAfter } from './index';

const KEY = 'sk_acme_0123456789abcdef0123456789abcdef';

interface Call {
  url: string;
  init: FetchInit;
}

/** A fetch that records its calls and answers from a queue. */
function fakeFetch(...answers: Array<{ status: number; body?: unknown; headers?: Record<string, string> } | Error>) {
  const calls: Call[] = [];
  const fn: FetchLike = async (url, init) => {
    calls.push({ url, init });
    const next = answers.shift() ?? { status: 200, body: { items: [], nextCursor: null } };
    if (next instanceof Error) throw next;
    const text = next.body === undefined ? '' : typeof next.body === 'string' ? next.body : JSON.stringify(next.body);
    const headers = Object.fromEntries(Object.entries(next.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    return { status: next.status, ok: next.status >= 200 && next.status < 300, headers: { get: (n: string) => headers[n.toLowerCase()] ?? null }, text: async () => text };
  };
  return { fn, calls };
}

const failure = (promise: Promise<unknown>) => rejection(promise, KryonixApiError);

describe('KryonixSDK configuration', () => {
  it('reads the tenant from the key and builds https://<tenant>.<baseDomain>[:port]', () => {
    const { fn } = fakeFetch();
    expect(new KryonixSDK({ apiKey: KEY, fetch: fn })).toMatchObject({ tenantId: 'acme', baseUrl: 'https://acme.localhost' });
    expect(new KryonixSDK({ apiKey: KEY, fetch: fn, baseDomain: 'kryonix.example.com' }).baseUrl).toBe('https://acme.kryonix.example.com');
    expect(new KryonixSDK({ apiKey: KEY, fetch: fn, baseDomain: 'kryonix.test', port: 8443 }).baseUrl).toBe('https://acme.kryonix.test:8443');
    expect(new KryonixSDK({ apiKey: KEY, fetch: fn, baseUrl: 'http://127.0.0.1:3000/', baseDomain: 'ignored' }).baseUrl).toBe('http://127.0.0.1:3000');
    expect(new KryonixSDK({ apiKey: 'sk_my-shop-2_ffffffffffffffffffffffffffffffff', fetch: fn }).tenantId).toBe('my-shop-2');
  });

  it('refuses an invalid key before any request, with code INVALID_API_KEY', () => {
    const { fn, calls } = fakeFetch();
    for (const apiKey of ['', 'not-a-key', 'sk_acme_123', 'sk_acme_0123456789ABCDEF0123456789ABCDEF', 'sk_Acme_0123456789abcdef0123456789abcdef', `pk_acme_${'0'.repeat(32)}`]) {
      let error: unknown;
      try {
        new KryonixSDK({ apiKey, fetch: fn });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(KryonixApiError);
      expect(error).toMatchObject({ status: 0, code: 'INVALID_API_KEY', name: 'KryonixApiError' });
    }
    expect(() => new KryonixSDK({ apiKey: KEY, fetch: fn, port: 70000 })).toThrow(KryonixApiError);
    expect(calls).toHaveLength(0);
  });

  it('has one Resource per manifest table on each module', () => {
    const sdk = new KryonixSDK({ apiKey: KEY, fetch: fakeFetch().fn });
    for (const [module, tables] of Object.entries(MODULE_TABLES)) {
      const accessor = (sdk as unknown as Record<string, Record<string, { module: string; table: string }>>)[module];
      expect(Object.keys(accessor).sort()).toEqual([...tables].sort());
      for (const table of tables) expect(accessor[table]).toMatchObject({ module, table });
    }
    expect(Object.keys(sdk.crm)).toEqual(['leads', 'oportunidades', 'atividades']);
  });

  it('uses the global fetch when none is given', async () => {
    const { fn, calls } = fakeFetch({ status: 200, body: { items: [], nextCursor: null } });
    const original = globalThis.fetch;
    (globalThis as { fetch: unknown }).fetch = fn;
    try {
      await new KryonixSDK({ apiKey: KEY }).crm.leads.list();
    } finally {
      globalThis.fetch = original;
    }
    expect(calls.map((c) => c.url)).toEqual(['https://acme.localhost/api/crm/leads']);
  });
});

describe('requests', () => {
  it('sends each method to its URL with the key, JSON bodies and query parameters', async () => {
    const row = { id: 'a1', nome: 'Maria' };
    const { fn, calls } = fakeFetch(
      { status: 200, body: { items: [row], nextCursor: 'c2' } },
      { status: 200, body: row },
      { status: 201, body: row },
      { status: 200, body: { ...row, status: 'cliente' } },
      { status: 204 },
    );
    const sdk = new KryonixSDK({ apiKey: KEY, fetch: fn, baseDomain: 'kryonix.test', port: 8443, headers: { 'x-trace': 't1' } });
    expect(await sdk.crm.leads.list({ status: 'novo', responsavel_id: 'u 1' }, { limit: 10, cursor: 'c1', order: '-created_at' })).toEqual({ items: [row], nextCursor: 'c2' });
    expect(await sdk.crm.leads.get('a1')).toEqual(row);
    expect(await sdk.crm.leads.create({ nome: 'Maria', orcamento: 1500.5 })).toEqual(row);
    expect(await sdk.crm.leads.update('a1', { status: 'cliente' })).toMatchObject({ status: 'cliente' });
    expect(await sdk.crm.leads.remove('a1')).toBeUndefined();

    const base = 'https://acme.kryonix.test:8443/api/crm/leads';
    expect(calls.map((c) => [c.init.method, c.url, c.init.body])).toEqual([
      ['GET', `${base}?status=novo&responsavel_id=u+1&limit=10&cursor=c1&order=-created_at`, undefined],
      ['GET', `${base}/a1`, undefined],
      ['POST', base, JSON.stringify({ nome: 'Maria', orcamento: 1500.5 })],
      ['PATCH', `${base}/a1`, JSON.stringify({ status: 'cliente' })],
      ['DELETE', `${base}/a1`, undefined],
    ]);
    for (const call of calls) expect(call.init.headers).toMatchObject({ authorization: `Bearer ${KEY}`, accept: 'application/json', 'x-trace': 't1' });
    expect(calls[0].init.headers['content-type']).toBeUndefined();
    expect(calls[2].init.headers['content-type']).toBe('application/json');
  });

  it('sends booleans and numbers as query strings, skips undefined filters and escapes ids', async () => {
    const { fn, calls } = fakeFetch();
    const sdk = new KryonixSDK({ apiKey: KEY, fetch: fn });
    await sdk.agendamento.profissionais.list({ ativo: true, especialidade: undefined });
    await sdk.financeiro.relatorios_mensais.list({ ano: 2026, mes: 1 });
    await sdk.whatsapp.contatos.get('a/b?c').catch(() => undefined);
    expect(calls.map((c) => c.url)).toEqual([
      'https://acme.localhost/api/agendamento/profissionais?ativo=true',
      'https://acme.localhost/api/financeiro/relatorios_mensais?ano=2026&mes=1',
      'https://acme.localhost/api/whatsapp/contatos/a%2Fb%3Fc',
    ]);
    expect((await failure(sdk.crm.leads.get(''))).code).toBe('INVALID_INPUT');
    expect(calls).toHaveLength(3);
  });

  it('listAll follows nextCursor page after page; pages yields the pages', async () => {
    const { fn, calls } = fakeFetch(
      { status: 200, body: { items: [{ id: '1' }, { id: '2' }], nextCursor: 'p2' } },
      { status: 200, body: { items: [{ id: '3' }, { id: '4' }], nextCursor: 'p3' } },
      { status: 200, body: { items: [{ id: '5' }], nextCursor: null } },
      { status: 200, body: { items: [{ id: '1' }], nextCursor: 'x' } },
      { status: 200, body: { items: [], nextCursor: null } },
    );
    const sdk = new KryonixSDK({ apiKey: KEY, fetch: fn });
    const ids: string[] = [];
    for await (const lead of sdk.crm.leads.listAll({ status: 'novo' }, { limit: 2 })) ids.push(lead.id);
    expect(ids).toEqual(['1', '2', '3', '4', '5']);
    expect(calls.map((c) => new URL(c.url).search)).toEqual(['?status=novo&limit=2', '?status=novo&limit=2&cursor=p2', '?status=novo&limit=2&cursor=p3']);
    const sizes: number[] = [];
    for await (const page of sdk.crm.leads.pages()) sizes.push(page.items.length);
    expect(sizes).toEqual([1, 0]);
  });

  it('listAll stops fetching when the loop stops', async () => {
    const { fn, calls } = fakeFetch(
      { status: 200, body: { items: [{ id: '1' }, { id: '2' }], nextCursor: 'p2' } },
      { status: 200, body: { items: [{ id: '3' }], nextCursor: null } },
    );
    for await (const lead of new KryonixSDK({ apiKey: KEY, fetch: fn }).crm.leads.listAll()) {
      if (lead.id === '1') break;
    }
    expect(calls).toHaveLength(1);
  });
});

describe('errors', () => {
  it('maps the JSON error body to KryonixApiError (status, code, message)', async () => {
    const cases: Array<[number, string]> = [
      [400, 'INVALID_INPUT'],
      [401, 'UNAUTHORIZED'],
      [403, 'TENANT_SUSPENDED'],
      [404, 'MODULE_NOT_AVAILABLE'],
      [409, 'ROW_CONFLICT'],
      [422, 'UNPROCESSABLE'],
      [503, 'UNAVAILABLE'],
    ];
    const { fn } = fakeFetch(...cases.map(([status, code]) => ({ status, body: { error: { code, message: `m-${code}` } } })));
    const sdk = new KryonixSDK({ apiKey: KEY, fetch: fn });
    for (const [status, code] of cases) {
      const error = await failure(sdk.crm.leads.create({ nome: 'x' }));
      expect(error).toMatchObject({ status, code, message: `m-${code}`, retryAfterSeconds: undefined });
      expect(error).toBeInstanceOf(Error);
    }
  });

  it('429 and 503 carry Retry-After as retryAfterSeconds', async () => {
    const { fn } = fakeFetch(
      { status: 429, body: { error: { code: 'RATE_LIMITED', message: 'slow down' } }, headers: { 'Retry-After': '17' } },
      { status: 503, body: { error: { code: 'UNAVAILABLE', message: 'busy' } }, headers: { 'retry-after': '2' } },
    );
    const sdk = new KryonixSDK({ apiKey: KEY, fetch: fn });
    expect(await failure(sdk.crm.leads.list())).toMatchObject({ status: 429, code: 'RATE_LIMITED', retryAfterSeconds: 17 });
    expect(await failure(sdk.crm.leads.list())).toMatchObject({ status: 503, code: 'UNAVAILABLE', retryAfterSeconds: 2 });
    expect(parseRetryAfter(new Date(10_000 + 5_000).toUTCString(), 10_000)).toBe(5);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it('answers without a JSON error body get a code from the status', async () => {
    const { fn } = fakeFetch({ status: 502, body: '<html>Bad Gateway</html>' }, { status: 404 }, { status: 418, body: { unexpected: true } });
    const sdk = new KryonixSDK({ apiKey: KEY, fetch: fn });
    const gateway = await failure(sdk.crm.leads.list());
    expect(gateway).toMatchObject({ status: 502, code: 'INTERNAL' });
    expect(gateway.message).toContain('Bad Gateway');
    expect(await failure(sdk.crm.leads.get('x'))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(await failure(sdk.crm.leads.list())).toMatchObject({ status: 418, code: 'HTTP_418' });
  });

  it('wraps network failures (code NETWORK, status 0, the cause kept) and non-JSON successes', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8443'), { code: 'ECONNREFUSED' }) });
    const { fn } = fakeFetch(refused, { status: 200, body: 'not json' });
    const sdk = new KryonixSDK({ apiKey: KEY, fetch: fn });
    const network = await failure(sdk.crm.leads.list());
    expect(network).toMatchObject({ status: 0, code: 'NETWORK' });
    expect(network.message).toBe('GET https://acme.localhost/api/crm/leads: connection refused by acme.localhost:443 (ECONNREFUSED): nothing listens there; is the data plane running, on this port?');
    expect(network.network).toEqual({ kind: 'refused', host: 'acme.localhost', port: 443, systemCode: 'ECONNREFUSED' });
    expect(network.cause).toBe(refused);
    expect(await failure(sdk.crm.leads.list())).toMatchObject({ status: 200, code: 'INVALID_RESPONSE' });
  });

  it('a body that fails while being read is a network failure too', async () => {
    const fn: FetchLike = async () => ({ status: 200, ok: true, headers: { get: () => null }, text: () => Promise.reject(new Error('socket hang up')) });
    expect(await failure(new KryonixSDK({ apiKey: KEY, fetch: fn }).crm.leads.list())).toMatchObject({ status: 0, code: 'NETWORK' });
  });
});
