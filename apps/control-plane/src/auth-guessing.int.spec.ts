import { Writable } from 'node:stream';
import { createTestEnv, rawRequest, TestEnv } from '@kryonix/testing';
import { ControlPlaneServer, startControlPlane } from './server';

/**
 * Guessing the operator or metrics token is slowed down per client address (issue 10 §4).
 * Each test sends from its own 127.0.0.x address (Linux routes all of 127/8 to loopback),
 * so their failures do not add up.
 */
const TOKEN = 'guess-operator-token-0123456789';
const METRICS_TOKEN = 'guess-metrics-token-0123456789';
const PROXY = '127.0.0.40';
let env: TestEnv;
let server: ControlPlaneServer;
let port: number;
const logLines: string[] = [];
const logStream = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(String(chunk));
    done();
  },
});

beforeAll(async () => {
  env = await createTestEnv('cpguess');
  server = await startControlPlane({
    logStream,
    env: {
      ...env.env,
      KRYONIX_OPERATOR_TOKEN: TOKEN,
      KRYONIX_METRICS_TOKEN: METRICS_TOKEN,
      KRYONIX_TRUSTED_PROXIES: `${PROXY},10.9.0.0/16`,
      KRYONIX_LOG_LEVEL: 'info',
      KRYONIX_WORKER_INTERVAL_MS: '0',
      KRYONIX_METRICS_INTERVAL_MS: '0',
      KRYONIX_JOB_POLL_MS: '0',
    },
    port: 0,
  });
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server?.close();
  await env?.cleanup();
});

function get(from: string, path: string, token?: string, extra: Array<[string, string]> = []) {
  return rawRequest({ port, method: 'GET', target: path, localAddress: from, headers: [['host', 'localhost'], ...(token === undefined ? [] : [['authorization', `Bearer ${token}`] as [string, string]]), ...extra] });
}
/** The warnings of the limiter ("auth"), apart from the access log's line per request. */
const authWarnings = (client: string) =>
  logLines.map((l) => JSON.parse(l) as { context?: string; level: number; msg: string }).filter((l) => l.context === 'auth' && l.msg.startsWith(`client ${client} `));
const metric = async (name: string, surface: string) => {
  const text = (await get('127.0.0.1', '/metrics', METRICS_TOKEN)).body as string;
  return Number(new RegExp(`^${name}\\{surface="${surface}"\\} (\\S+)$`, 'm').exec(text)?.[1]);
};

it('after 10 wrong operator tokens within a minute an address gets 429 with Retry-After on every guarded request, the right token included; counted and logged once', async () => {
  const failuresBefore = await metric('kryonix_auth_failures_total', 'operator');
  const blockedBefore = await metric('kryonix_auth_blocked_total', 'operator');
  const statuses: number[] = [];
  for (let i = 0; i < 15; i++) statuses.push((await get('127.0.0.31', '/v1/tenants', `wrong-token-guess-${i}`)).status);
  expect(statuses).toEqual([...Array(10).fill(401), ...Array(5).fill(429)]);
  const refused = await get('127.0.0.31', '/v1/tenants', TOKEN); // the token is not even looked at
  expect(refused).toMatchObject({ status: 429, body: { error: { code: 'RATE_LIMITED', message: expect.stringMatching(/try again in \d+ s/) } } });
  const retryAfter = Number(refused.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(50);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect((await get('127.0.0.31', '/metrics', METRICS_TOKEN)).status).toBe(429); // the metrics token is guarded by the same limiter
  expect((await get('127.0.0.31', '/healthz')).status).toBe(200); // probes take no secret: never refused
  expect((await get('127.0.0.32', '/v1/tenants', TOKEN)).status).toBe(200); // another address is served
  expect(await metric('kryonix_auth_failures_total', 'operator')).toBe(failuresBefore + 10);
  expect(await metric('kryonix_auth_blocked_total', 'operator')).toBe(blockedBefore + 6);
  const logged = authWarnings('127.0.0.31');
  expect(logged).toHaveLength(1);
  expect(logged[0]).toMatchObject({ level: 40, msg: expect.stringMatching(/^client 127\.0\.0\.31 presented 10 wrong secrets \(last: operator\) within 60 s; its requests get 429 for 60 s$/) });
  expect(logLines.join('')).not.toContain('wrong-token-guess');
});

it('a request without any token is refused but guesses nothing', async () => {
  for (let i = 0; i < 15; i++) expect((await get('127.0.0.33', '/v1/tenants')).status).toBe(401);
  expect((await get('127.0.0.33', '/v1/tenants', TOKEN)).status).toBe(200);
});

it('guessing the metrics token blocks the address too, and is counted under surface "metrics"', async () => {
  const before = await metric('kryonix_auth_failures_total', 'metrics');
  for (let i = 0; i < 10; i++) expect((await get('127.0.0.34', '/metrics', `wrong-metrics-${i}`)).status).toBe(401);
  expect((await get('127.0.0.34', '/metrics', METRICS_TOKEN)).status).toBe(429);
  expect((await get('127.0.0.34', '/v1/tenants', TOKEN)).status).toBe(429);
  expect(await metric('kryonix_auth_failures_total', 'metrics')).toBe(before + 10);
  expect(authWarnings('127.0.0.34')).toEqual([expect.objectContaining({ msg: expect.stringContaining('(last: metrics)') })]);
});

it('X-Forwarded-For is ignored from an address that is not a trusted proxy', async () => {
  for (let i = 0; i < 10; i++) expect((await get('127.0.0.35', '/v1/tenants', 'wrong-token-xff', [['x-forwarded-for', `198.51.100.${i}`]])).status).toBe(401);
  expect((await get('127.0.0.35', '/v1/tenants', TOKEN, [['x-forwarded-for', '198.51.100.99']])).status).toBe(429);
});

it('from a trusted proxy, X-Forwarded-For names the client: one client behind it is blocked, the others are not', async () => {
  for (let i = 0; i < 10; i++) expect((await get(PROXY, '/v1/tenants', 'wrong-token-proxy', [['x-forwarded-for', `192.0.2.77, 203.0.113.5`]])).status).toBe(401);
  expect((await get(PROXY, '/v1/tenants', TOKEN, [['x-forwarded-for', '203.0.113.5']])).status).toBe(429);
  // what the client itself wrote on the left does not change who it is
  expect((await get(PROXY, '/v1/tenants', TOKEN, [['x-forwarded-for', '203.0.113.9, 203.0.113.5']])).status).toBe(429);
  expect((await get(PROXY, '/v1/tenants', TOKEN, [['x-forwarded-for', '203.0.113.6']])).status).toBe(200);
  expect((await get(PROXY, '/v1/tenants', TOKEN)).status).toBe(200); // the proxy itself
  expect(authWarnings('203.0.113.5')).toHaveLength(1);
});
