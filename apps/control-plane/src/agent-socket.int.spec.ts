import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestEnv, TestEnv, withAdmin } from '@kryonix/testing';
import { ControlPlaneServer, startControlPlane } from './server';

/** The control plane as the CLI's local agent: a Unix socket, streamed steps, repair, the CLI's actor, idle exit. */
const TOKEN = 'agent-operator-token-0123456789';
let env: TestEnv;
let server: ControlPlaneServer;
let dir: string;
let socketPath: string;
let idleCalls = 0;

beforeAll(async () => {
  env = await createTestEnv('cpsock');
  dir = mkdtempSync(join(tmpdir(), 'kx-sock-'));
  socketPath = join(dir, 'agent.sock');
  server = await startControlPlane({
    env: { ...env.env, KRYONIX_OPERATOR_TOKEN: TOKEN, KRYONIX_LOG_LEVEL: 'silent', KRYONIX_WORKER_INTERVAL_MS: '0', KRYONIX_METRICS_INTERVAL_MS: '0' },
    socketPath,
    idle: { afterMs: 1500, onIdle: () => void idleCalls++ },
  });
});
afterAll(async () => {
  await server?.close();
  await env.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  contentType: string;
  lines: any[];
  body: any;
}

function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, path, method, headers: { authorization: `Bearer ${TOKEN}`, ...(payload ? { 'content-type': 'application/json' } : {}), ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          const contentType = String(res.headers['content-type'] ?? '');
          const ndjson = contentType.includes('ndjson');
          resolve({
            status: res.statusCode ?? 0,
            contentType,
            lines: ndjson ? text.trim().split('\n').map((l) => JSON.parse(l)) : [],
            body: !ndjson && text ? JSON.parse(text) : undefined,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const audit = (target: string) =>
  withAdmin(async (c) => (await c.query('SELECT actor, action, outcome, status_code FROM tenant_management.audit_log WHERE target = $1 ORDER BY id', [target])).rows, env.config.registryDatabase);

describe('control plane on a Unix socket (the CLI agent)', () => {
  it('does not slow down wrong tokens on its socket (reached by its own user only): no 429, the right token still works', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) statuses.push((await call('GET', '/v1/tenants', undefined, { authorization: `Bearer wrong-agent-token-${i}` })).status);
    expect(statuses).toEqual(Array(15).fill(401));
    expect((await call('GET', '/v1/tenants')).status).toBe(200);
  });

  it('listens on the socket with mode 0600 and answers the API there', async () => {
    expect(server.url).toBe(`unix:${socketPath}`);
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
    expect((await call('GET', '/v1/modules')).status).toBe(200);
    expect((await call('GET', '/v1/modules', undefined, { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
  });

  it('streams a create step by step (NDJSON), ends with the tenant, and audits the CLI user', async () => {
    const r = await call('POST', '/v1/tenants', { id: 'sock-stream', name: 'Stream', modules: ['crm', 'whatsapp'], mode: 'schema' }, { accept: 'application/x-ndjson', 'x-kryonix-actor': 'cli:alice' });
    expect(r.status).toBe(200);
    expect(r.contentType).toContain('application/x-ndjson');
    const steps = r.lines.filter((l) => l.type === 'step').map((l) => l.step.step);
    expect(steps).toEqual(['register', 'create_role', 'create_schemas', 'grant_access', 'record_modules', 'issue_api_key', 'write_files', 'activate']);
    const last = r.lines[r.lines.length - 1];
    expect(last.type).toBe('result');
    expect(last.result).toMatchObject({ id: 'sock-stream', mode: 'schema', schemas: ['sock_stream_crm', 'sock_stream_whatsapp'] });
    expect(last.result.apiKey).toMatch(/^sk_sock-stream_[0-9a-f]{32}$/);
    expect(last.result.files).toBeUndefined();
    expect(await audit('sock-stream')).toEqual([{ actor: 'cli:alice', action: 'tenant.create', outcome: 'success', status_code: 200 }]);
  });

  it('a streamed create that fails ends with an error line, and the audit log records the failure', async () => {
    const r = await call('POST', '/v1/tenants', { id: 'sock-stream', name: 'Again', modules: ['crm'], mode: 'schema' }, { accept: 'application/x-ndjson' });
    expect(r.status).toBe(200);
    expect(r.lines[r.lines.length - 1]).toEqual({ type: 'error', error: { code: 'TENANT_EXISTS', message: expect.stringContaining('sock-stream') } });
    expect((await audit('sock-stream')).at(-1)).toEqual({ actor: 'operator', action: 'tenant.create', outcome: 'failure', status_code: 409 });
  });

  it('a malformed body is refused before any stream starts (400 JSON); a bad id ends the stream with INVALID_INPUT; a forged actor is not taken', async () => {
    const malformed = await call('POST', '/v1/tenants', { id: 'x', name: 'x', modules: 'crm' }, { accept: 'application/x-ndjson' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('INVALID_INPUT');
    // Refused before any use case ran: its own row, naming the route.
    expect(await audit('x')).toEqual([{ actor: 'operator', action: 'request.rejected', outcome: 'failure', status_code: 400 }]);
    const r = await call('POST', '/v1/tenants', { id: 'Bad Id', name: 'x', modules: ['crm'] }, { accept: 'application/x-ndjson', 'x-kryonix-actor': "cli:x'; DROP TABLE" });
    expect(r.lines).toEqual([{ type: 'error', error: { code: 'INVALID_INPUT', message: expect.stringContaining('Bad Id') } }]);
    expect(await audit('Bad Id')).toEqual([{ actor: 'operator', action: 'tenant.create', outcome: 'failure', status_code: 400 }]);
  });

  it('POST /v1/tenants/:id/repair finishes a tenant left half-made, and streams its steps', async () => {
    expect((await call('POST', '/v1/tenants', { id: 'sock-repair', name: 'Repair', modules: ['crm'], mode: 'database' })).status).toBe(201);
    // as an interrupted create leaves it: still `provisioning`, generated files not written
    await withAdmin((c) => c.query(`UPDATE tenant_management.clientes SET status = 'provisioning' WHERE id = $1`, ['sock-repair']), env.config.registryDatabase);
    rmSync(join(env.config.outputDir, 'sock-repair'), { recursive: true, force: true });
    const r = await call('POST', '/v1/tenants/sock-repair/repair', undefined, { accept: 'application/x-ndjson' });
    expect(r.status).toBe(200);
    const last = r.lines[r.lines.length - 1];
    expect(last.type).toBe('result');
    expect(last.result).toMatchObject({ id: 'sock-repair', database: 'kryonix_cliente_sock_repair' });
    expect(r.lines.filter((l) => l.type === 'step').map((l) => l.step.step)).toContain('write_files');
    expect((await call('GET', '/v1/tenants/sock-repair')).body.status).toBe('active');
    expect(existsSync(join(env.config.outputDir, 'sock-repair', 'monitoring.yml'))).toBe(true);
    // plain JSON too, idempotent on a healthy tenant; unknown tenant 404
    const again = await call('POST', '/v1/tenants/sock-repair/repair');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: 'sock-repair' });
    expect((await call('POST', '/v1/tenants/nobody-here/repair')).status).toBe(404);
  });

  it('refuses to start on a socket a live server holds, and replaces a stale one', async () => {
    await expect(startControlPlane({ env: { ...env.env, KRYONIX_OPERATOR_TOKEN: TOKEN, KRYONIX_LOG_LEVEL: 'silent' }, socketPath })).rejects.toThrow(/already listens/);
    // a socket path nobody answers on (as a killed process leaves it)
    const stale = join(dir, 'stale.sock');
    writeFileSync(stale, '');
    const second = await startControlPlane({ env: { ...env.env, KRYONIX_OPERATOR_TOKEN: TOKEN, KRYONIX_LOG_LEVEL: 'silent', KRYONIX_WORKER_INTERVAL_MS: '0', KRYONIX_METRICS_INTERVAL_MS: '0' }, socketPath: stale });
    try {
      expect(second.url).toBe(`unix:${stale}`);
      expect(statSync(stale).isSocket()).toBe(true);
    } finally {
      await second.close();
    }
  });

  it('two servers started at once on one socket: exactly one listens, the other says the socket is taken', async () => {
    const path = join(dir, 'race.sock');
    const start = () => startControlPlane({ env: { ...env.env, KRYONIX_OPERATOR_TOKEN: TOKEN, KRYONIX_LOG_LEVEL: 'silent', KRYONIX_WORKER_INTERVAL_MS: '0', KRYONIX_METRICS_INTERVAL_MS: '0', KRYONIX_JOB_POLL_MS: '0' }, socketPath: path });
    const results = await Promise.allSettled([start(), start()]);
    const up = results.filter((r): r is PromiseFulfilledResult<ControlPlaneServer> => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    try {
      expect(up).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect(String(refused[0]!.reason.message)).toMatch(/already listens|is starting/);
      expect(refused[0]!.reason.details).toEqual({ socketBusy: true });
      expect(existsSync(`${path}.lock`)).toBe(false);
    } finally {
      await Promise.all(up.map((r) => r.value.close()));
    }
  });

  it('a client that goes away mid-stream does not keep the server from going idle', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = request(
        { socketPath, path: '/v1/tenants', method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/x-ndjson', 'content-type': 'application/json' } },
        (res) => res.once('data', () => (req.destroy(), resolve())),
      );
      req.on('error', () => undefined);
      req.end(JSON.stringify({ id: 'sock-gone', name: 'Gone', modules: ['crm'], mode: 'schema' }));
      setTimeout(() => reject(new Error('no first line')), 10_000);
    });
    const before = idleCalls;
    for (let i = 0; i < 100 && idleCalls === before; i++) await new Promise((r) => setTimeout(r, 100));
    expect(idleCalls).toBeGreaterThan(before);
  });

  it('calls onIdle once no request has come for the idle time', async () => {
    await call('GET', '/v1/modules');
    const before = idleCalls;
    await new Promise((r) => setTimeout(r, 500));
    expect(idleCalls).toBe(before);
    for (let i = 0; i < 100 && idleCalls === before; i++) await new Promise((r) => setTimeout(r, 100));
    expect(idleCalls).toBe(before + 1);
  });
});
