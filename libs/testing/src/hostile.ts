import { RawRequest, RawResponse, rawRequest } from './raw-http';

/** A route as a server's route table lists it (`recordRoutes` in @kryonix/web). */
export interface RouteEntry {
  method: string;
  url: string;
}

/** What a hostile client can put in a path segment or a query value (sent as written: already percent-encoded). */
export const HOSTILE_URL_VALUES: readonly string[] = [
  '%00', 'a%00b', '%FF', 'a%C3%28b', '%ED%A0%80', '%F4%90%80%80', '%zz', '%', '%2', '..', '%2e%2e', '..%2F..%2Fetc%2Fpasswd', '%2F', '%5C',
  encodeURIComponent("' OR '1'='1' --"), encodeURIComponent('"; DROP TABLE x; --'), encodeURIComponent('$1'), '__proto__', 'constructor', 'prototype',
  '99999999999999999999999', '-1', '0', '1e309', 'NaN', 'Infinity', 'null', 'true', encodeURIComponent('ção'), encodeURIComponent('😀'),
  'a'.repeat(101), 'a'.repeat(6000), '%20', '', encodeURIComponent('[]'), encodeURIComponent('{}'), '00000000-0000-0000-0000-000000000000',
  'xn--80ak6aa92e', 'UPPER', encodeURIComponent('\t\r\n'),
];

/** Whole query strings that are odd in their shape rather than in one value. */
const HOSTILE_QUERIES: readonly string[] = [
  '?limit=1&limit=2', '?cursor=a&cursor=b', '?%00=1', '?a%00b=1', '?a[b]=1', '?__proto__[x]=1', '?constructor[prototype][x]=1', '?=', '?&&&', '?=1', `?${'x=1&'.repeat(2000)}`,
  '?%FF=1', '?order=-', '?order=--id', '?status', '?limit', '?cursor',
  // list filters: operators in brackets, in lists, search, cursors that decode to odd values
  '?status[gte]=a', '?status[in]=', `?status[in]=${'a,'.repeat(200)}`, '?status[in]=%5C', '?status[in]=a%5C%2Cb', '?status[in]=a&status[in]=b', '?status[]=1', '?status[[in]]=1',
  '?status[in', '?status]in[=1', '?status[__proto__]=1', '?status[constructor]=1', '?score[gte]=1&score[gte]=2', '?score[in]=1,a', '?created_at[gt]=infinity', '?created_at[lt]=-infinity',
  '?id[lt]=x', '?x[in]=1', '?q=%25%5F%5C', `?q=${'x'.repeat(200)}`, '?q=&q=', '?q[in]=a', '?order=-q',
  `?cursor=${Buffer.from('["-created_at",{"a":1},"x"]').toString('base64url')}`, `?cursor=${Buffer.from('["-created_at",null,"00000000-0000-0000-0000-000000000000"]').toString('base64url')}`,
  `?cursor=${Buffer.from('["id",[1,2],["x"]]').toString('base64url')}`, `?cursor=${Buffer.from('["-created_at","9999999-99-99","00000000-0000-0000-0000-000000000000"]').toString('base64url')}`,
];

/** JSON texts a hostile client puts in a field (raw text: some cannot be made with JSON.stringify). */
export const HOSTILE_JSON_VALUES: readonly string[] = [
  '"a\\u0000b"', '"\\ud800"', '1e400', '-1e400', '123456789012345678901234567890', '-0', '1.5', '-1', '2147483648', '9007199254740993', 'true', 'null',
  '[]', '{}', '[{"a":1}]', '["crm","crm"]', `${'['.repeat(30)}${']'.repeat(30)}`, `"${'x'.repeat(100_000)}"`, '"\' OR \'1\'=\'1"', '"../../etc/passwd"',
  '{"__proto__":{"polluted":1}}', '"2026-13-45T99:99:99"', '"😀"', '""', '"   "', '"xn--80ak6aa92e"', '"9999-12-31"', '"24:00"',
];

/** Bodies, with their content type (undefined: no header). */
const HOSTILE_BODIES: ReadonlyArray<readonly [string | undefined, string | Buffer]> = [
  ['application/json', ''], ['application/json', '   '], ['application/json', '{'], ['application/json', 'null'], ['application/json', '1'],
  ['application/json', '"x"'], ['application/json', 'true'], ['application/json', '[]'], ['application/json', '[{}]'], ['application/json', '{}'],
  ['application/json', `${'['.repeat(20_000)}${']'.repeat(20_000)}`], ['application/json', `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`],
  ['application/json', Buffer.from('{"a":"\xff\xfe"}', 'latin1')], ['application/json', Buffer.from('\xef\xbb\xbf{}', 'latin1')],
  ['application/json', '{"__proto__":{"x":1}}'], ['application/json', '{"constructor":{"prototype":{"x":1}}}'], ['application/json', '{"a":{"__proto__":1}}'],
  ['application/json', '{"\\u005f_proto__":1}'], ['application/json', '{"a\\u0000":1}'], ['application/json', '{"a":1,"a":2}'],
  ['application/json', `{"a":"${'x'.repeat(2 * 1024 * 1024)}"}`], ['application/json; charset=utf-16', '{}'], ['application/json; charset=latin1', '{}'],
  ['application/x-www-form-urlencoded', 'a=1&id=x'], ['text/plain', 'x'], ['multipart/form-data; boundary=x', '--x\r\n\r\n--x--'], [undefined, '{}'],
  ['application/jsonx', '{}'], ['APPLICATION/JSON', '{}'], ['application/json;', '{}'], ['', '{}'],
];

export interface HostileTarget {
  port: number;
  tls?: RawRequest['tls'];
  /** The routes to attack: the server's own route table. */
  routes: readonly RouteEntry[];
  /** Headers every request carries unless a header case replaces them (Host, credentials). */
  headers: ReadonlyArray<readonly [string, string]>;
  /** A value for each path parameter; a route with a parameter missing here is attacked with "x". */
  params: Readonly<Record<string, string>>;
  /** Query parameter names the routes read: each gets every hostile value. */
  queryNames: readonly string[];
  /** Body fields the routes read: each gets every hostile JSON value, as `{ field: value }`. */
  fields: readonly string[];
  /** Which corpora to send (default all): headers last, since bad credentials may get a client limited. */
  parts?: ReadonlyArray<'path' | 'query' | 'body' | 'headers'>;
}

export interface HostileCase {
  route: RouteEntry;
  what: string;
  request: Omit<RawRequest, 'port' | 'tls'>;
}

export interface HostileOutcome {
  case: HostileCase;
  status?: number;
  body?: unknown;
  error?: string;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The path of a route with each `:param` (and a `*` wildcard) filled, `override` taking one parameter's place. */
function pathOf(url: string, params: Readonly<Record<string, string>>, override?: [string, string]): string {
  return url.replace(/:([A-Za-z0-9_]+)|\*/g, (_match, name: string | undefined) => {
    const key = name ?? '*';
    if (override && override[0] === key) return override[1];
    return params[key] ?? 'x';
  });
}

function paramNames(url: string): string[] {
  return [...url.matchAll(/:([A-Za-z0-9_]+)|\*/g)].map((m) => m[1] ?? '*');
}

/** Every hostile request for the routes: path parameters, query, body, then headers, in that order. */
export function hostileCases(target: HostileTarget): HostileCase[] {
  const parts = target.parts ?? ['path', 'query', 'body', 'headers'];
  // DELETE last: on a live resource it changes what the other routes find.
  const routes = [...target.routes].sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
  const base = (route: RouteEntry, what: string, path: string | Buffer, extra: Partial<HostileCase['request']> = {}): HostileCase => ({
    route,
    what,
    request: { method: route.method, target: path, headers: target.headers, ...extra },
  });
  const cases: HostileCase[] = [];
  if (parts.includes('path')) {
    for (const route of routes) {
      cases.push(base(route, 'baseline', pathOf(route.url, target.params)));
      for (const name of paramNames(route.url)) {
        for (const value of HOSTILE_URL_VALUES) cases.push(base(route, `path ${name}=${value.slice(0, 40)}`, pathOf(route.url, target.params, [name, value])));
        cases.push(base(route, `path ${name}=raw 0xff`, Buffer.from(pathOf(route.url, target.params, [name, 'a\xffb']), 'latin1')));
      }
    }
  }
  if (parts.includes('query')) {
    for (const route of routes) {
      const path = pathOf(route.url, target.params);
      for (const name of [...target.queryNames, '__proto__', 'x']) {
        for (const value of HOSTILE_URL_VALUES) cases.push(base(route, `query ${name}=${value.slice(0, 40)}`, `${path}?${name}=${value}`));
      }
      for (const query of HOSTILE_QUERIES) cases.push(base(route, `query ${query.slice(0, 40)}`, `${path}${query}`));
      cases.push(base(route, 'query raw 0xff', Buffer.from(`${path}?status=a\xffb`, 'latin1')));
    }
  }
  if (parts.includes('body')) {
    for (const route of routes.filter((r) => BODY_METHODS.has(r.method))) {
      const path = pathOf(route.url, target.params);
      const withBody = (what: string, type: string | undefined, body: string | Buffer) =>
        base(route, what, path, { headers: [...target.headers, ...(type === undefined ? [] : [['content-type', type] as const])], body });
      for (const [type, body] of HOSTILE_BODIES) cases.push(withBody(`body ${type ?? '(no type)'} ${String(body).slice(0, 40)}`, type, body));
      for (const field of target.fields) {
        for (const value of HOSTILE_JSON_VALUES) cases.push(withBody(`body {${field}: ${value.slice(0, 40)}}`, 'application/json', `{"${field}":${value}}`));
      }
    }
  }
  if (parts.includes('headers')) {
    for (const route of routes) {
      const path = pathOf(route.url, target.params);
      const host = target.headers.find(([n]) => n.toLowerCase() === 'host')?.[1] ?? 'localhost';
      const auth = target.headers.find(([n]) => n.toLowerCase() === 'authorization')?.[1] ?? '';
      const others = target.headers.filter(([n]) => !['host', 'authorization'].includes(n.toLowerCase()));
      const withHeaders = (what: string, headers: ReadonlyArray<readonly [string, string]>, body?: string) => base(route, `headers ${what}`, path, { headers, body });
      const keep = [['host', host], ['authorization', auth], ...others] as const;
      cases.push(
        withHeaders('json type, empty body', [...keep, ['content-type', 'application/json']]),
        withHeaders('json type, chunked empty body', [...keep, ['content-type', 'application/json'], ['transfer-encoding', 'chunked']], '0\r\n\r\n'),
        withHeaders('accept ndjson', [...keep, ['accept', 'application/x-ndjson']]),
        withHeaders('prefer async', [...keep, ['prefer', 'respond-async']]),
        withHeaders('odd accept', [...keep, ['accept', '*/*;q=abc, application/x-ndjson;q=-1']]),
        withHeaders('actor 0xff', [...keep, ['x-kryonix-actor', 'cli:\xff\xfe']]),
        withHeaders('long actor', [...keep, ['x-kryonix-actor', `cli:${'x'.repeat(8000)}`]]),
        withHeaders('two hosts, same', [['host', host], ...keep]),
        withHeaders('two hosts, different', [['host', `other.${host}`], ...keep]),
        withHeaders('no host', [['authorization', auth], ...others]),
        withHeaders('empty host', [['host', ''], ['authorization', auth], ...others]),
        withHeaders('host 0xff', [['host', `\xff${host}`], ['authorization', auth], ...others]),
        withHeaders('long host', [['host', `${'a'.repeat(300)}.${host}`], ['authorization', auth], ...others]),
        withHeaders('host port 99999', [['host', `${host.replace(/:\d+$/, '')}:99999`], ['authorization', auth], ...others]),
        withHeaders('x-api-key differs', [...keep, ['x-api-key', 'sk_other_0123456789abcdef0123456789abcdef']]),
        withHeaders('x-api-key only, bad', [['host', host], ['x-api-key', 'sk_\xff'], ...others]),
        withHeaders('two x-api-keys', [['host', host], ['x-api-key', 'a'], ['x-api-key', 'b'], ...others]),
        withHeaders('empty bearer', [['host', host], ['authorization', 'Bearer '], ...others]),
        withHeaders('basic auth', [['host', host], ['authorization', 'Basic YTpi'], ...others]),
        withHeaders('long bearer', [['host', host], ['authorization', `Bearer ${'a'.repeat(10_000)}`], ...others]),
        withHeaders('bearer 0xff', [['host', host], ['authorization', 'Bearer \xff\xfe'], ...others]),
        withHeaders('two authorizations', [['host', host], ['authorization', auth], ['authorization', 'Bearer other'], ...others]),
        withHeaders('huge header', [...keep, ['x-filler', 'x'.repeat(20_000)]]),
      );
    }
  }
  return cases;
}

/** Sends every case, a few at a time; an answer that never comes is an outcome too (a crash, a hang). */
export async function sendHostile(target: HostileTarget, cases: readonly HostileCase[], concurrency = 4): Promise<HostileOutcome[]> {
  const outcomes: HostileOutcome[] = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const i = next++;
      const c = cases[i]!;
      try {
        const res: RawResponse = await rawRequest({ ...c.request, port: target.port, tls: target.tls, timeoutMs: 20_000 });
        outcomes[i] = { case: c, status: res.status, body: res.body };
      } catch (error) {
        outcomes[i] = { case: c, error: (error as Error).message };
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}

/** The outcomes a client must never cause: a 5xx other than 503 (a dependency away), or no answer at all. */
export function serverFaults(outcomes: readonly HostileOutcome[]): string[] {
  return outcomes
    .filter((o) => o.error !== undefined || (o.status! >= 500 && o.status !== 503))
    .map((o) => `${o.case.route.method} ${o.case.route.url} [${o.case.what}] → ${o.error ?? `${o.status} ${JSON.stringify(o.body).slice(0, 300)}`}`);
}
