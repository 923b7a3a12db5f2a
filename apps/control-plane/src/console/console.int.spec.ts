import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandBus } from '@nestjs/cqrs';
import { BackupTenantCommand, RunNextJobCommand } from '@kryonix/tenants';
import { capturedLog, consoleSession, createTestEnv, TestEnv, withAdmin } from '@kryonix/testing';
import { ControlPlaneServer, startControlPlane } from '../server';

/** The console over plain HTTP: sessions, CSRF, refusals without either, what the registry and the log keep. */
const TOKEN = 'console-operator-token-0123456789';
let env: TestEnv;
let server: ControlPlaneServer;
let url: string;
const log = capturedLog();

beforeAll(async () => {
  env = await createTestEnv('console');
  server = await startControlPlane({
    logStream: log.stream,
    env: { ...env.env, KRYONIX_OPERATOR_TOKEN: TOKEN, KRYONIX_LOG_LEVEL: 'info', KRYONIX_WORKER_INTERVAL_MS: '0', KRYONIX_METRICS_INTERVAL_MS: '0', KRYONIX_JOB_POLL_MS: '0', KRYONIX_AUTH_FAILURE_LIMIT: '5' },
    port: 0,
  });
  url = server.url;
}, 180_000);
afterAll(async () => {
  await server?.close();
  await env?.cleanup();
});

const registry = <R>(fn: (c: import('pg').Client) => Promise<R>) => withAdmin(fn, env.config.registryDatabase);
const form = (fields: Record<string, string | string[]>) => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const item of Array.isArray(v) ? v : [v]) params.append(k, item);
  return params.toString();
};
const post = (path: string, fields: Record<string, string | string[]>, cookie?: string, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}), ...headers }, body: form(fields) });
const get = (path: string, cookie?: string) => fetch(`${url}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });

/** The console's routes but its assets and sign-in, with their parameters filled in. */
function consoleRoutes(): Array<{ method: string; path: string }> {
  return server.routes
    .filter((r) => r.url.startsWith('/console') && r.method !== 'HEAD' && !r.url.startsWith('/console/assets') && r.url !== '/console/sign-in' && r.url !== '/console')
    .map((r) => ({ method: r.method, path: r.url.replace(':id', 'acme').replace(':action', 'suspend').replace(':run', 'x').replace(':job', 'x') }));
}

describe('operator console over HTTP', () => {
  it('serves its pages under /console and refuses every page and action without a session', async () => {
    const routes = consoleRoutes();
    expect(routes.filter((r) => r.method === 'GET').length).toBeGreaterThanOrEqual(5);
    expect(routes.filter((r) => r.method === 'POST').length).toBeGreaterThanOrEqual(3);
    for (const route of routes) {
      const res = route.method === 'GET' ? await get(route.path) : await post(route.path, { _csrf: 'x' });
      if (route.method === 'GET') {
        expect({ route, status: res.status, location: res.headers.get('location') }).toEqual({ route, status: 303, location: '/console/sign-in' });
        // the page's script asks for data: a 401 it can read, not a redirect
        const data = await fetch(`${url}${route.path}`, { redirect: 'manual', headers: { accept: route.path.endsWith('/events') ? 'text/event-stream' : 'application/json' } });
        expect({ route, status: data.status }).toEqual({ route, status: 401 });
      } else {
        expect({ route, status: res.status }).toEqual({ route, status: 401 });
      }
    }
    // a cookie that opens no session is no session
    expect((await get('/console/tenants', 'kryonix_console=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(303);
    // a form body is read on /console only: the API stays JSON-only
    expect((await post('/v1/tenants', { id: 'x' }, undefined, { authorization: `Bearer ${TOKEN}` })).status).toBe(415);
  });

  it('signs in with the operator token only: a wrong one, a missing form token, then the right one', async () => {
    const page = await get('/console/sign-in');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<label for="token">Operator token</label>');
    const signInCookie = /kryonix_console_signin=([^;]+)/.exec(page.headers.get('set-cookie') ?? '')![1]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const cookie = `kryonix_console_signin=${signInCookie}`;

    const wrong = await post('/console/sign-in', { _csrf: csrf, token: 'not-the-token-at-all' }, cookie);
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('That is not the operator token.');
    expect((await post('/console/sign-in', { token: TOKEN }, cookie)).status).toBe(403);
    expect((await post('/console/sign-in', { _csrf: 'forged', token: TOKEN }, cookie)).status).toBe(403);

    const ok = await post('/console/sign-in', { _csrf: csrf, token: TOKEN }, cookie);
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/console/tenants');
    const session = ok.headers.getSetCookie().find((c) => c.startsWith('kryonix_console='))!;
    expect(session).toMatch(/^kryonix_console=[A-Za-z0-9_-]{43}; Path=\/console; HttpOnly; SameSite=Strict; Max-Age=43200$/); // no Secure over plain HTTP
    const secret = /^kryonix_console=([^;]+)/.exec(session)![1]!;

    // the registry keeps the secret's hash only, and the CSRF token sealed
    const rows = await registry((c) => c.query('SELECT id, secret_hash, csrf_secret_enc, expires_at - created_at AS max_age FROM tenant_management.console_sessions'));
    const row = rows.rows.find((r) => Buffer.compare(r.secret_hash, createHash('sha256').update(secret).digest()) === 0);
    expect(row).toBeDefined();
    const tenantsPage = await (await get('/console/tenants', `kryonix_console=${secret}`)).text();
    const pageCsrf = /name="_csrf" value="([^"]+)"/.exec(tenantsPage)![1]!;
    expect(row.csrf_secret_enc).not.toContain(pageCsrf);
    expect(JSON.stringify(rows.rows)).not.toContain(secret);
    // the token is in no page, no URL and no log line
    expect(tenantsPage).not.toContain(TOKEN);
    expect(log.text()).not.toContain(TOKEN);
    expect(log.text()).not.toContain(secret);
  });

  it('refuses every action of a signed-in session without its CSRF token, and audits what it does as `console`', async () => {
    const { cookie, csrf } = await consoleSession(url, TOKEN);
    const posts = consoleRoutes().filter((r) => r.method === 'POST');
    for (const route of posts) {
      expect({ route, status: (await post(route.path, {}, cookie)).status }).toEqual({ route, status: 403 });
      expect({ route, status: (await post(route.path, { _csrf: `${csrf.slice(0, -2)}xx` }, cookie)).status }).toEqual({ route, status: 403 });
    }
    // another session's token is not this one's
    const other = await consoleSession(url, TOKEN);
    expect((await post('/console/sign-out', { _csrf: other.csrf }, cookie)).status).toBe(403);

    // a bad filter is a page that says what is wrong, not a 500
    const bad = await get('/console/tenants?status=sleeping', cookie);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('status');
    const unknown = await get('/console/tenants/nobody-here', cookie);
    expect(unknown.status).toBe(404);

    // an action that fails in the use case is audited with the console as actor and the session's id
    const suspend = await post('/console/tenants/nobody-here/suspend', { _csrf: csrf }, cookie);
    expect(suspend.status).toBe(404);
    const audit = await registry((c) => c.query(`SELECT actor, door, details FROM tenant_management.audit_log WHERE action = 'tenant.suspend' AND target = 'nobody-here'`));
    expect(audit.rows).toHaveLength(1);
    const sessionId = await registry((c) => c.query('SELECT id FROM tenant_management.console_sessions ORDER BY created_at'));
    expect(audit.rows[0]).toMatchObject({ actor: 'console', door: 'console' });
    expect(sessionId.rows.map((r) => r.id)).toContain(audit.rows[0].details.sessionId);
  });

  it('queues a drift check from the Fleet page as a durable job, audited as the console; hostile forms are refused with 400', async () => {
    const { cookie, csrf } = await consoleSession(url, TOKEN);
    const fleet = await get('/console/fleet', cookie);
    expect(fleet.status).toBe(200);
    expect(await fleet.text()).toContain('No drift check has run yet.');
    const queued = await post('/console/fleet/drift', { _csrf: csrf }, cookie);
    expect(queued.status).toBe(303);
    expect(queued.headers.get('location')).toBe('/console/fleet?queued=drift');
    const jobs = await registry((c) => c.query(`SELECT kind, status FROM tenant_management.jobs WHERE kind = 'detect_drift'`));
    expect(jobs.rows).toEqual([{ kind: 'detect_drift', status: 'queued' }]);
    const audit = await registry((c) => c.query(`SELECT actor, door, outcome, status_code FROM tenant_management.audit_log WHERE action = 'fleet.detect_drift'`));
    expect(audit.rows).toEqual([{ actor: 'console', door: 'console', outcome: 'success', status_code: 303 }]);
    expect(await (await get('/console/fleet', cookie)).text()).toContain('Last check: queued');

    // the form parser: the same rules as JSON bodies
    const proto = await fetch(`${url}/console/fleet/drift`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie }, body: `_csrf=${csrf}&__proto__=x` });
    expect(proto.status).toBe(400);
    expect(await proto.text()).toContain('__proto__');
    const nul = await fetch(`${url}/console/fleet/drift`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie }, body: `_csrf=${csrf}&x=%00` });
    expect(nul.status).toBe(400);
    const extra = await post('/console/fleet/drift', { _csrf: csrf, surprise: '1' }, cookie);
    expect(extra.status).toBe(400);
    expect(await extra.text()).toContain('surprise');
  });

  it('lists the newest backups on the Fleet page and restores a master-key one as a new tenant through the restore job', async () => {
    const created = await fetch(`${url}/v1/tenants`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ id: 'bk-src', name: 'Fonte Ltda', modules: ['crm'] }) });
    expect(created.status).toBe(201);
    const bus = server.app.get(CommandBus);
    const master = await bus.execute(new BackupTenantCommand({ id: 'bk-src' }));
    const sealed = await bus.execute(new BackupTenantCommand({ id: 'bk-src', passphrase: 'a passphrase long enough' }));
    writeFileSync(join(env.config.backupDir, 'junk.kxbackup'), 'not a backup at all');
    const { cookie, csrf } = await consoleSession(url, TOKEN);

    const fleet = await (await get('/console/fleet', cookie)).text();
    const section = fleet.slice(fleet.indexOf('id="backups-title"'), fleet.indexOf('id="jobs-title"'));
    for (const id of [master.backupId, sealed.backupId, 'junk']) expect(section).toContain(id);
    expect(section).toContain('passphrase: not from the console');
    expect(section).toMatch(/junk <span class="status status-failed">(damaged|not_backup|partial)<\/span>/);
    // one restore form: the readable master-key backup's, its new tenant id suggested
    expect(section.match(/action="\/console\/fleet\/restore"/g)).toHaveLength(1);
    expect(section).toContain(`name="backup" value="${master.backupId}"`);
    expect(section).toContain('value="bk-src-restored"');

    const fields = { backup: master.backupId, as: 'bk-copy', confirm: master.backupId };
    expect((await post('/console/fleet/restore', fields, cookie)).status).toBe(403);
    expect((await post('/console/fleet/restore', { ...fields, _csrf: `${csrf.slice(0, -2)}xx` }, cookie)).status).toBe(403);
    const unconfirmed = await post('/console/fleet/restore', { ...fields, confirm: '', _csrf: csrf }, cookie);
    expect(unconfirmed.status).toBe(400);
    expect(await unconfirmed.text()).toContain(`Not confirmed: tick the box naming backup &quot;${master.backupId}&quot;`);
    // no new id: the backup's own tenant's, which is taken; the use case's message, the form open again
    const taken = await post('/console/fleet/restore', { ...fields, as: '', _csrf: csrf }, cookie);
    expect(taken.status).toBe(409);
    const takenPage = await taken.text();
    expect(takenPage).toContain(`Backup ${master.backupId} was not restored:`);
    expect(takenPage).toContain('<details open>');
    const badId = await post('/console/fleet/restore', { ...fields, as: 'Not An Id!', _csrf: csrf }, cookie);
    expect(badId.status).toBe(400);
    expect(await badId.text()).toContain('value="Not An Id!"');
    const passphrase = await post('/console/fleet/restore', { backup: sealed.backupId, as: 'bk-other', confirm: sealed.backupId, _csrf: csrf }, cookie);
    expect(passphrase.status).toBeGreaterThanOrEqual(400);
    expect(passphrase.status).toBeLessThan(500);
    expect((await registry((c) => c.query(`SELECT count(*)::int AS n FROM tenant_management.jobs WHERE kind = 'restore_tenant'`))).rows[0].n).toBe(0);

    const queued = await post('/console/fleet/restore', { ...fields, _csrf: csrf }, cookie);
    expect(queued.status).toBe(303);
    const location = queued.headers.get('location')!;
    const jobId = /^\/console\/fleet\?job=([0-9a-f-]{36})&queued=restore$/.exec(location)![1];
    const jobs = await registry((c) => c.query(`SELECT id, tenant_id, status, payload->>'backup' AS backup FROM tenant_management.jobs WHERE kind = 'restore_tenant'`));
    expect(jobs.rows).toEqual([{ id: jobId, tenant_id: 'bk-copy', status: 'queued', backup: master.backupId }]);
    const audit = await registry((c) => c.query(`SELECT actor, door, target FROM tenant_management.audit_log WHERE action = 'tenant.restore' AND outcome = 'success'`));
    expect(audit.rows).toEqual([{ actor: 'console', door: 'console', target: 'bk-copy' }]);
    const jobPage = await (await get(location, cookie)).text();
    expect(jobPage).toContain(`Job ${jobId}`);
    expect(jobPage).toContain('restore_tenant of tenant bk-copy: <strong id="job-status" role="status">queued</strong>');
    expect(jobPage).toContain('Restore queued');
    expect(jobPage).toContain(`<td data-label="Tenant">bk-copy</td>`);

    // run it here (this server has no worker; an earlier queued job may come first): the first view of it done shows the key, once
    for (let i = 0; i < 10; i++) {
      const ran = await bus.execute(new RunNextJobCommand('console-spec', 60_000, 5_000));
      if (!ran || ran.id === jobId) break;
    }
    const done = await (await get(location, cookie)).text();
    expect(done).toContain('<strong id="job-status" role="status">succeeded</strong>');
    expect(done).toContain('<a href="/console/tenants/bk-copy">Open tenant bk-copy</a>');
    const key = /<code id="job-api-key">([^<]+)<\/code>/.exec(done)![1]!;
    const keys = await registry((c) => c.query(`SELECT prefix FROM tenant_management.api_keys WHERE cliente_id = 'bk-copy' AND revoked_at IS NULL`));
    expect(keys.rows).toHaveLength(1);
    expect(key.startsWith(keys.rows[0].prefix)).toBe(true);
    expect(log.text()).not.toContain(key);
    const again = await (await get(location, cookie)).text();
    expect(again).toContain('succeeded');
    expect(again).not.toContain('job-api-key');
    expect(again).not.toContain(key);
  }, 180_000);

  it('ends a session at sign-out, when idle too long and at its absolute expiry', async () => {
    const a = await consoleSession(url, TOKEN);
    expect((await get('/console/tenants', a.cookie)).status).toBe(200);
    const out = await post('/console/sign-out', { _csrf: a.csrf }, a.cookie);
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/console/sign-in?signed-out');
    expect(out.headers.get('set-cookie')).toMatch(/^kryonix_console=; .*Max-Age=0/);
    expect((await get('/console/tenants', a.cookie)).status).toBe(303);
    expect((await post('/console/tenants/acme/suspend', { _csrf: a.csrf }, a.cookie)).status).toBe(401);

    const idle = await consoleSession(url, TOKEN);
    const absolute = await consoleSession(url, TOKEN);
    const hash = (cookie: string) => createHash('sha256').update(cookie.split('=')[1]!).digest();
    await registry((c) => c.query(`UPDATE tenant_management.console_sessions SET last_seen_at = now() - interval '31 minutes' WHERE secret_hash = $1`, [hash(idle.cookie)]));
    await registry((c) => c.query(`UPDATE tenant_management.console_sessions SET expires_at = now() - interval '1 second' WHERE secret_hash = $1`, [hash(absolute.cookie)]));
    expect((await get('/console/tenants', idle.cookie)).status).toBe(303);
    expect((await get('/console/tenants', absolute.cookie)).status).toBe(303);
  });

  it('refuses sign-in with 429 once a client has presented too many wrong tokens', async () => {
    const page = await get('/console/sign-in');
    const cookie = `kryonix_console_signin=${/kryonix_console_signin=([^;]+)/.exec(page.headers.get('set-cookie') ?? '')![1]}`;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await post('/console/sign-in', { _csrf: csrf, token: `wrong-token-${i}-xxxxxxxx` }, cookie)).status);
    expect(statuses.slice(-1)).toEqual([429]);
    // even the right token is refused while blocked
    expect((await post('/console/sign-in', { _csrf: csrf, token: TOKEN }, cookie)).status).toBe(429);
  });
});
