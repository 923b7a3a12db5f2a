import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidInput, UnsupportedMediaType } from '@kryonix/domain';

/** Deeper JSON is refused: no body of either API nests beyond a few levels, and walking it must stay cheap. */
export const MAX_JSON_DEPTH = 32;

/** Keys refused anywhere in a JSON body: on a plain object they reach its prototype. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor']);

/** Headers whose second copy Node drops silently (the first wins): a proxy may have read the other one. */
const SINGLE_HEADERS: ReadonlySet<string> = new Set(['host', 'authorization', 'x-api-key']);

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Where a kind of body other than JSON is taken: `METHOD /url` with the URL as routed
 * (`POST /v1/backups`: that route only), `/*` at its end for the path and every route under
 * it (`* /console/*`), `*` for any method.
 */
export type RoutePatterns = readonly string[];

export function matchesRoute(patterns: RoutePatterns, request: Pick<FastifyRequest, 'method' | 'routeOptions' | 'raw'>): boolean {
  // a route the router does not know has no routed URL: its path then
  const url = request.routeOptions.url ?? (request.raw.url ?? '').split('?')[0]!;
  return patterns.some((pattern) => {
    const [method, path = ''] = pattern.split(' ');
    if (method !== '*' && method !== request.method) return false;
    if (!path.endsWith('/*')) return url === path;
    const under = path.slice(0, -2);
    return url === under || url.startsWith(`${under}/`);
  });
}

/**
 * What both HTTP servers refuse before any handler runs, each with a 400 that says why:
 * a URL whose percent-encoding is not UTF-8, a NUL in a path or query value (PostgreSQL
 * cannot store one), two copies of Host, Authorization or X-API-Key; and for bodies,
 * JSON only (415 otherwise), valid UTF-8, no NUL, no `__proto__`/`constructor` keys, at
 * most MAX_JSON_DEPTH levels. An empty JSON body is no body (many clients send the
 * header on every request). `application/octet-stream` only on `streamRoutes` (an upload); HTML form bodies only on `formRoutes` (the console).
 * Create the Nest app with `bodyParser: false`, then call
 * this before it listens.
 */
export function installRequestHygiene(fastify: FastifyInstance, options: { streamRoutes?: RoutePatterns; formRoutes?: RoutePatterns } = {}): void {
  fastify.removeAllContentTypeParsers();
  // streamRoutes take an `application/octet-stream` body as the request's stream, unread:
  // its handler streams it and enforces its own limit.
  const streamRoutes = options.streamRoutes ?? [];
  fastify.addContentTypeParser('application/octet-stream', (request, payload, done) => {
    if (matchesRoute(streamRoutes, request)) return done(null, payload);
    done(new UnsupportedMediaType(`Only JSON bodies are accepted here (Content-Type: application/json), not ${JSON.stringify(request.headers['content-type'] ?? '(none)')}.`));
  });
  // HTML forms (the console's pages) on formRoutes only, with the same checks as JSON bodies.
  const formRoutes = options.formRoutes ?? [];
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (request, body, done) => {
    if (!matchesRoute(formRoutes, request)) {
      done(new UnsupportedMediaType(`Only JSON bodies are accepted (Content-Type: application/json), not ${JSON.stringify(request.headers['content-type'] ?? '(none)')}.`));
      return;
    }
    try {
      done(null, parseFormBody(body as Buffer));
    } catch (error) {
      done(error as Error);
    }
  });
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      done(null, parseJsonBody(request.headers['content-type'], body as Buffer));
    } catch (error) {
      done(error as Error);
    }
  });
  fastify.addContentTypeParser('*', (request, _payload, done) => {
    done(new UnsupportedMediaType(`Only JSON bodies are accepted (Content-Type: application/json), not ${JSON.stringify(request.headers['content-type'] ?? '(none)')}.`));
  });
  fastify.addHook('onRequest', async (request) => {
    refuseRepeatedHeaders(request.raw.rawHeaders);
    refuseBadUrl(request.raw.url ?? '');
  });
  fastify.addHook('preValidation', async (request) => {
    refuseNul(request.params, 'path parameter');
    refuseNul(request.query, 'query parameter');
  });
}

/**
 * Fastify's answers to a path its router cannot take (`%FF` in a segment: 400; a segment
 * over its length limit: 414), in the error format of every other refusal. Pass as
 * `frameworkErrors` in the adapter's options.
 */
export function answerFrameworkError(error: Error, _request: FastifyRequest, reply: FastifyReply): void {
  const status = (error as { statusCode?: number }).statusCode ?? 500;
  const message = (error as { code?: string }).code === 'FST_ERR_BAD_URL' ? 'The URL is not valid: its percent-encoded bytes must be UTF-8.' : error.message;
  void reply.status(status).header('content-type', 'application/json; charset=utf-8').send({ error: { code: status < 500 ? 'INVALID_INPUT' : 'INTERNAL', message } });
}

export function parseJsonBody(contentType: string | undefined, body: Buffer): unknown {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1];
  if (charset && !/^utf-?8$/i.test(charset)) throw new UnsupportedMediaType(`JSON bodies must be UTF-8, not charset ${JSON.stringify(charset)}.`);
  if (body.length === 0) return undefined;
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    throw new InvalidInput('The body is not valid UTF-8.');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidInput(`The body is not valid JSON: ${(error as Error).message}.`);
  }
  checkJson(value, '', 0);
  return value;
}

/**
 * An HTML form's body (only on `formRoutes`: the console's pages): the same rules as JSON
 * (UTF-8, no NUL, no `__proto__`/`constructor`); a name given twice becomes a list.
 */
export function parseFormBody(body: Buffer): Record<string, string | string[]> {
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    throw new InvalidInput('The body is not valid UTF-8.');
  }
  const fields: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    if (FORBIDDEN_KEYS.has(key)) throw new InvalidInput(`Field "${key}" is refused: the names __proto__ and constructor are not accepted in a form.`, { field: key });
    if (key.includes('\u0000')) throw nulIn(`The field name ${JSON.stringify(key)}`, key);
    if (value.includes('\u0000')) throw nulIn(`Field "${key}"`, key);
    const seen = fields[key];
    fields[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return fields;
}

function checkJson(value: unknown, path: string, depth: number): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) throw nulIn(path ? `Field "${path}"` : 'The body', path);
    // "\ud800" is valid JSON but no character: encoded as UTF-8 it would silently become U+FFFD.
    if (LONE_SURROGATE.test(value)) throw new InvalidInput(`${path ? `Field "${path}"` : 'The body'} contains a lone UTF-16 surrogate (\\ud800–\\udfff), which is not a character.`, path ? { field: path } : {});
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (depth >= MAX_JSON_DEPTH) throw new InvalidInput(`The body nests deeper than ${MAX_JSON_DEPTH} levels${path ? ` at "${path}"` : ''}.`, { field: path || undefined });
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkJson(item, `${path}[${i}]`, depth + 1));
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    const field = path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key)) {
      throw new InvalidInput(`Field "${field}" is refused: the keys __proto__ and constructor are not accepted in a body, since on a JavaScript object they reach its prototype (prototype pollution).`, { field });
    }
    if (key.includes('\u0000')) throw nulIn(`The field name ${JSON.stringify(field)}`, field);
    checkJson(item, field, depth + 1);
  }
}

function nulIn(what: string, field: string): InvalidInput {
  return new InvalidInput(`${what} contains a NUL character (\\u0000), which is not accepted in text.`, field ? { field } : {});
}

function refuseRepeatedHeaders(raw: readonly string[]): void {
  let seen: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (!SINGLE_HEADERS.has(name)) continue;
    if (seen?.includes(name)) throw new InvalidInput(`The ${name} header is given more than once; send it once.`, { field: name });
    (seen ??= []).push(name);
  }
}

function refuseBadUrl(url: string): void {
  if (!url.includes('%')) return; // a raw byte outside ASCII is refused by Node's parser already
  try {
    decodeURIComponent(url);
  } catch {
    throw new InvalidInput('The URL is not valid: each % must start an escape (%XX), and the escaped bytes must be UTF-8.');
  }
}

function refuseNul(values: unknown, what: string): void {
  if (!values || typeof values !== 'object') return;
  for (const [name, value] of Object.entries(values)) {
    const texts = Array.isArray(value) ? value : [value];
    if (name.includes('\u0000') || texts.some((v) => typeof v === 'string' && v.includes('\u0000'))) {
      throw new InvalidInput(`The ${what} ${JSON.stringify(name)} contains a NUL character (\\u0000), which is not accepted in text.`, { field: name });
    }
  }
}
