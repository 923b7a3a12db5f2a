import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestEnv, TestEnv, withAdmin } from '@kryonix/testing';
import { ControlPlaneServer, startControlPlane } from './server';

/**
 * Backups over HTTP on a real control plane and PostgreSQL: backup → download → restore
 * (and upload → restore) round trips, a clone, the key shown once, the audit rows, and
 * every refusal a 4xx that says what is wrong (no 500, nothing left behind).
 */
const TOKEN = 'backups-operator-token-0123456789';
const UPLOAD_MAX = 4 * 1024 * 1024;
let env: TestEnv;
let server: ControlPlaneServer;
let outside: string;

type Answer = { status: number; headers: Headers; body: any };
async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const raw = body instanceof Buffer;
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': raw ? 'application/octet-stream' : 'application/json' }), ...headers },
    body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

async function download(id: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(`${server.url}/v1/backups/${encodeURIComponent(id)}/download`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Polls a job until it is over (generous: the machine is shared). */
async function finished(jobId: string): Promise<any> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const { body } = await call('GET', `/v1/jobs/${jobId}`);
    if (body.status === 'succeeded' || body.status === 'failed') return body;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${body.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const registry = async (text: string, values: unknown[] = []) => (await withAdmin((c) => c.query(text, values), env.config.registryDatabase)).rows;
const leads = async (database: string, table = 'crm.leads') => (await withAdmin((c) => c.query(`SELECT nome, email, orcamento::text FROM ${table} ORDER BY nome`), database)).rows;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const backupFiles = () => readdirSync(env.config.backupDir).sort();

beforeAll(async () => {
  env = await createTestEnv('cp-bk');
  outside = mkdtempSync(join(tmpdir(), 'kryonix-cp-bk-outside-'));
  server = await startControlPlane({
    env: { ...env.env, KRYONIX_OPERATOR_TOKEN: TOKEN, KRYONIX_LOG_LEVEL: 'silent', KRYONIX_JOB_POLL_MS: '50', KRYONIX_WORKER_INTERVAL_MS: '0', KRYONIX_BACKUP_UPLOAD_MAX: String(UPLOAD_MAX) },
    port: 0,
  });
  expect((await call('POST', '/v1/tenants', { id: 'hb-src', name: 'Fonte Ltda', modules: ['crm'] })).status).toBe(201);
  await withAdmin((c) => c.query(`INSERT INTO crm.leads (nome, email, orcamento) SELECT 'Lead ' || g || ' ção', CASE WHEN g % 3 = 0 THEN NULL ELSE 'l' || g || '@x.br' END, g * 10.25 FROM generate_series(1, 500) g`), 'kryonix_cliente_hb_src');
}, 300_000);
afterAll(async () => {
  await server?.close();
  await env?.cleanup();
  rmSync(outside, { recursive: true, force: true });
});

describe('backup, download, restore over HTTP', () => {
  let backup: { backupId: string; bytes: number; sha256: string };

  it('POST /v1/tenants/:id/backups is a durable job whose result names the backup, its size and checksums (no path)', async () => {
    const queued = await call('POST', '/v1/tenants/hb-src/backups');
    expect(queued.status).toBe(202);
    expect(queued.headers.get('location')).toBe(`/v1/jobs/${queued.body.id}`);
    expect(queued.body).toMatchObject({ kind: 'backup_tenant', tenantId: 'hb-src', status: 'queued' });
    const job = await finished(queued.body.id);
    expect(job).toMatchObject({ status: 'succeeded', result: { tenant: 'hb-src', rows: 500, encryption: 'master-key', backupId: expect.stringMatching(/^hb-src-\d{8}T\d{6}Z$/) } });
    expect(job.result.tables).toContainEqual(expect.objectContaining({ table: 'crm.leads', rows: 500, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }));
    expect(job.result).not.toHaveProperty('file');
    expect(JSON.stringify(job.result)).not.toContain(env.config.backupDir);
    backup = job.result;
    expect(backupFiles()).toEqual([`${backup.backupId}.kxbackup`]);
  }, 240_000);

  it('GET /v1/backups/:id/download streams the file as an attachment, and is audited', async () => {
    const got = await download(backup.backupId);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/octet-stream');
    expect(got.headers.get('content-disposition')).toBe(`attachment; filename="${backup.backupId}.kxbackup"`);
    expect(Number(got.headers.get('content-length'))).toBe(backup.bytes);
    expect(got.bytes.length).toBe(backup.bytes);
    expect(sha256(got.bytes)).toBe(backup.sha256);
    expect(got.bytes.equals(readFileSync(join(env.config.backupDir, `${backup.backupId}.kxbackup`)))).toBe(true);
    const head = await fetch(`${server.url}/v1/backups/${backup.backupId}/download`, { method: 'HEAD', headers: { authorization: `Bearer ${TOKEN}` } });
    expect({ status: head.status, length: head.headers.get('content-length'), disposition: head.headers.get('content-disposition') }).toEqual({ status: 200, length: String(backup.bytes), disposition: `attachment; filename="${backup.backupId}.kxbackup"` });
    expect(await registry(`SELECT actor, door, target, outcome, status_code, details->>'backup' AS backup FROM tenant_management.audit_log WHERE action = 'backup.download' ORDER BY at`)).toEqual([
      { actor: 'operator', door: 'http', target: 'hb-src', outcome: 'success', status_code: 200, backup: backup.backupId },
      { actor: 'operator', door: 'http', target: 'hb-src', outcome: 'success', status_code: 200, backup: backup.backupId },
    ]);
  });

  it('POST /v1/restores restores it by id as a new tenant; the API key is shown on the first read of the job only', async () => {
    const queued = await call('POST', '/v1/restores', { backup: backup.backupId, as: 'hb-copy', mode: 'schema' });
    expect(queued.status).toBe(202);
    const job = await finished(queued.body.id);
    expect(job).toMatchObject({ status: 'succeeded', kind: 'restore_tenant', result: { id: 'hb-copy', mode: 'schema', rows: 500, backup: backup.backupId, restoredFrom: { tenant: 'hb-src' } } });
    expect(job.result.apiKey).toMatch(/^sk_hb-copy_[0-9a-f]{32}$/);
    expect(job.result.steps.map((s: { step: string }) => s.step)).toEqual(expect.arrayContaining(['load_data', 'issue_api_key', 'activate']));
    expect(job.result.tableProgress).toContainEqual(expect.objectContaining({ table: 'crm.leads', rows: 500 }));
    const again = await call('GET', `/v1/jobs/${queued.body.id}`);
    expect(again.body.result).not.toHaveProperty('apiKey');
    expect(JSON.stringify(await registry(`SELECT result, payload FROM tenant_management.jobs WHERE id = $1`, [queued.body.id]))).not.toContain(job.result.apiKey);
    expect(await leads('kryonix_tenants', 'hb_copy_crm.leads')).toEqual(await leads('kryonix_cliente_hb_src'));
    // the key works: it is the tenant's one active key
    const keys = await registry(`SELECT count(*)::int AS n FROM tenant_management.api_keys WHERE cliente_id = 'hb-copy' AND revoked_at IS NULL`);
    expect(keys).toEqual([{ n: 1 }]);
    expect(await registry(`SELECT action, target, outcome, status_code, details->>'backup' AS backup FROM tenant_management.audit_log WHERE action = 'tenant.restore'`)).toEqual([
      { action: 'tenant.restore', target: 'hb-copy', outcome: 'success', status_code: 202, backup: backup.backupId },
    ]);
  }, 240_000);

  it('an upload of the downloaded file is checked whole, kept under its id, and restorable', async () => {
    const file = (await download(backup.backupId)).bytes;
    // the same file again: that backup, nothing new
    expect(await call('POST', '/v1/backups', file)).toMatchObject({ status: 201, body: { backupId: backup.backupId, existing: true, bytes: file.length, sha256: backup.sha256, tenant: 'hb-src' } });
    rmSync(join(env.config.backupDir, `${backup.backupId}.kxbackup`));
    expect(await call('POST', '/v1/backups', file)).toMatchObject({ status: 201, body: { backupId: backup.backupId, existing: false } });
    expect(backupFiles()).toEqual([`${backup.backupId}.kxbackup`]);
    const queued = await call('POST', '/v1/restores', { backup: backup.backupId, as: 'hb-up' });
    const job = await finished(queued.body.id);
    expect(job).toMatchObject({ status: 'succeeded', result: { id: 'hb-up', mode: 'database', rows: 500 } });
    expect(await leads('kryonix_cliente_hb_up')).toEqual(await leads('kryonix_cliente_hb_src'));
    expect(await registry(`SELECT outcome, status_code FROM tenant_management.audit_log WHERE action = 'backup.upload' ORDER BY at`)).toEqual([
      { outcome: 'success', status_code: 201 },
      { outcome: 'success', status_code: 201 },
    ]);
  }, 240_000);

  it("POST /v1/restores with `replace` restores over the tenant its own backup (a durable job): the backup's rows, the same key hashes, the replaced copy kept and purged later, audited", async () => {
    const backedUp = await leads('kryonix_cliente_hb_src');
    await withAdmin((c) => c.query(`DELETE FROM crm.leads WHERE nome LIKE 'Lead 1%'; INSERT INTO crm.leads (nome) VALUES ('after the backup')`), 'kryonix_cliente_hb_src');
    const keys = () => registry(`SELECT key_hash, prefix, revoked_at FROM tenant_management.api_keys WHERE cliente_id = 'hb-src' ORDER BY key_hash`);
    const keysBefore = await keys();
    const queued = await call('POST', '/v1/restores', { backup: backup.backupId, replace: 'hb-src' });
    expect(queued.status).toBe(202);
    expect(queued.body).toMatchObject({ kind: 'restore_tenant', tenantId: 'hb-src', status: 'queued' });
    const job = await finished(queued.body.id);
    expect(job).toMatchObject({ status: 'succeeded', result: { id: 'hb-src', mode: 'database', rows: 500, backup: backup.backupId, restoredFrom: { tenant: 'hb-src' }, replaced: { mode: 'database', server: 'default', database: expect.stringMatching(/^kryonix_replaced_[0-9a-f]{8}$/) } } });
    expect(job.result).not.toHaveProperty('apiKey');
    expect(job.result).not.toHaveProperty('apiKeyEnc');
    expect(job.result.steps.map((st: { step: string }) => st.step)).toEqual(expect.arrayContaining(['replace_prepare', 'replace_swap', 'replace_record']));
    expect(await leads('kryonix_cliente_hb_src')).toEqual(backedUp);
    expect(await keys()).toEqual(keysBefore);
    // the replaced copy: no access for the tenant's role, its purge due after KRYONIX_DELETE_GRACE
    const kept = job.result.replaced.database as string;
    expect(await withAdmin(async (c) => (await c.query(`SELECT has_database_privilege('cliente_hb_src_user', $1, 'CONNECT') AS can`, [kept])).rows)).toEqual([{ can: false }]);
    expect(await registry(`SELECT payload->>'database' AS database, run_after > now() + interval '1 hour' AS later FROM tenant_management.jobs WHERE kind = 'purge_replaced_copy' AND tenant_id = 'hb-src'`)).toEqual([{ database: kept, later: true }]);
    expect(await registry(`SELECT status FROM tenant_management.clientes WHERE id = 'hb-src'`)).toEqual([{ status: 'active' }]);
    expect(await registry(`SELECT door, target, outcome, status_code, details->>'backup' AS backup, details->>'replace' AS replace FROM tenant_management.audit_log WHERE action = 'tenant.restore' AND target = 'hb-src'`)).toEqual([
      { door: 'http', target: 'hb-src', outcome: 'success', status_code: 202, backup: backup.backupId, replace: 'true' },
    ]);
  }, 240_000);

  it('a replace is refused before anything is queued: another tenant\'s backup, with `as`, another mode or server, a bad id (4xx, never 500)', async () => {
    const before = (await registry(`SELECT count(*)::int AS n FROM tenant_management.jobs`))[0].n;
    const cases: Array<[Record<string, unknown>, number, RegExp]> = [
      [{ replace: 'hb-copy' }, 400, /The backup is of tenant "hb-src", not "hb-copy": --replace only restores a tenant's own backup/],
      [{ replace: 'nope-tenant' }, 400, /not "nope-tenant"/],
      [{ replace: 'hb-src', as: 'hb-other' }, 400, /--as and --replace cannot be given together/],
      [{ replace: 'hb-src', mode: 'schema' }, 400, /keeps the tenant's mode \(database\)/],
      [{ replace: 'hb-src', server: 'nowhere' }, 400, /on the tenant's own server \(default\)/],
      [{ replace: 'Not An Id' }, 400, /.+/],
      [{ replace: 5 }, 400, /replace/],
      [{ replace: '' }, 400, /.+/],
    ];
    for (const [extra, status, message] of cases) {
      const r = await call('POST', '/v1/restores', { backup: backup.backupId, ...extra });
      expect({ extra, status: r.status, code: typeof r.body?.error?.code }).toEqual({ extra, status, code: 'string' });
      expect(r.body.error.message).toMatch(message);
    }
    expect((await registry(`SELECT count(*)::int AS n FROM tenant_management.jobs`))[0].n).toBe(before);
  });

  it('a damaged upload (one flipped byte), a cut-off one or one over KRYONIX_BACKUP_UPLOAD_MAX is refused, and nothing is kept', async () => {
    const file = (await download(backup.backupId)).bytes;
    const before = backupFiles();
    const flipped = Buffer.from(file);
    flipped[Math.floor(flipped.length / 2)]! ^= 0x01;
    expect(await call('POST', '/v1/backups', flipped)).toMatchObject({ status: 422, body: { error: { code: 'BACKUP_UNREADABLE', message: expect.any(String) } } });
    expect(await call('POST', '/v1/backups', file.subarray(0, file.length - 100))).toMatchObject({ status: 422, body: { error: { code: 'BACKUP_UNREADABLE' } } });
    expect(await call('POST', '/v1/backups', Buffer.from('not a backup at all'))).toMatchObject({ status: 422, body: { error: { code: 'BACKUP_UNREADABLE' } } });
    const big = await call('POST', '/v1/backups', Buffer.alloc(UPLOAD_MAX + 1024, 7));
    expect(big).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('KRYONIX_BACKUP_UPLOAD_MAX') } } });
    // chunked, with no Content-Length: counted as it arrives, refused past the limit
    const chunked = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = httpRequest(`${server.url}/v1/backups`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 3);
      for (let sent = 0; sent <= UPLOAD_MAX + chunk.length; sent += chunk.length) req.write(chunk);
      req.end();
    });
    expect(chunked).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    expect(backupFiles()).toEqual(before); // no partial file either
    expect(await registry(`SELECT count(*)::int AS n FROM tenant_management.audit_log WHERE action = 'backup.upload' AND outcome = 'failure'`)).toEqual([{ n: 5 }]);
  });

  it('a passphrase backup over HTTP: restored only with its passphrase, which is never kept plain nor audited', async () => {
    const passphrase = 'correct horse battery staple';
    expect(await call('POST', '/v1/tenants/hb-src/backups', { passphrase: 'short' })).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('at least 12 characters') } } });
    const queued = await call('POST', '/v1/tenants/hb-src/backups', { passphrase });
    const job = await finished(queued.body.id);
    expect(job).toMatchObject({ status: 'succeeded', result: { encryption: 'passphrase' } });
    const id = job.result.backupId;
    expect(await call('POST', '/v1/restores', { backup: id, as: 'hb-pass' })).toMatchObject({ status: 422, body: { error: { code: 'BACKUP_UNREADABLE', message: expect.stringContaining('passphrase') } } });
    expect(await call('POST', '/v1/restores', { backup: id, as: 'hb-pass', passphrase: 'the wrong passphrase' })).toMatchObject({ status: 422, body: { error: { message: 'Wrong passphrase for this backup.' } } });
    const restore = await call('POST', '/v1/restores', { backup: id, as: 'hb-pass', passphrase });
    expect(await finished(restore.body.id)).toMatchObject({ status: 'succeeded', result: { id: 'hb-pass', rows: 500 } });
    // an upload of it needs the passphrase too
    const file = (await download(id)).bytes;
    rmSync(join(env.config.backupDir, `${id}.kxbackup`));
    expect(await call('POST', '/v1/backups', file)).toMatchObject({ status: 422, body: { error: { code: 'BACKUP_UNREADABLE' } } });
    expect(await call('POST', '/v1/backups', file, { 'x-kryonix-passphrase': passphrase })).toMatchObject({ status: 201, body: { backupId: id, encryption: 'passphrase' } });
    const stored = JSON.stringify([...(await registry(`SELECT payload, result, error FROM tenant_management.jobs`)), ...(await registry(`SELECT details FROM tenant_management.audit_log`))]);
    expect(stored).not.toContain(passphrase);
    expect(stored).not.toContain('passphraseEnc'); // sealed while the jobs ran, forgotten once they ended
    expect(stored).toContain('"encryption":"passphrase"');
  }, 300_000);

  it('POST /v1/tenants/:id/clone is a durable job: a copy with its own key, shown once', async () => {
    const queued = await call('POST', '/v1/tenants/hb-src/clone', { id: 'hb-clone', name: 'Demo' });
    expect(queued.status).toBe(202);
    const job = await finished(queued.body.id);
    expect(job).toMatchObject({ status: 'succeeded', kind: 'clone_tenant', result: { id: 'hb-clone', name: 'Demo', rows: 500, restoredFrom: { tenant: 'hb-src' } } });
    expect(job.result.apiKey).toMatch(/^sk_hb-clone_/);
    expect((await call('GET', `/v1/jobs/${queued.body.id}`)).body.result.apiKey).toBeUndefined();
    expect(await leads('kryonix_cliente_hb_clone')).toEqual(await leads('kryonix_cliente_hb_src'));
    expect(await registry(`SELECT target, outcome, details->>'source' AS source FROM tenant_management.audit_log WHERE action = 'tenant.clone'`)).toEqual([{ target: 'hb-clone', outcome: 'success', source: 'hb-src' }]);
  }, 240_000);
});

describe('refusals: a clear 4xx, never a 500, nothing queued or made', () => {
  const jobs = async () => (await registry(`SELECT count(*)::int AS n FROM tenant_management.jobs`))[0].n;

  it('a backup id that is a path, hidden, or unknown', async () => {
    const queuedBefore = await jobs();
    for (const backup of ['../x', '../../etc/passwd', '/etc/passwd', 'a/b', '.hidden', '..', 'x.kxbackup', '', 'a'.repeat(200), 'a\\b']) {
      const r = await call('POST', '/v1/restores', { backup, as: 'hb-bad' });
      expect(r).toMatchObject({ status: 400, body: { error: { code: 'INVALID_INPUT', message: expect.stringMatching(/^Invalid backup id .*never a path\.$/) } } });
    }
    expect(await call('POST', '/v1/restores', { backup: 'hb-src-20000101T000000Z' })).toMatchObject({ status: 404, body: { error: { code: 'BACKUP_NOT_FOUND', message: expect.stringContaining('hb-src-20000101T000000Z') } } });
    expect(await call('POST', '/v1/restores', { backup: 5 })).toMatchObject({ status: 400, body: { error: { code: 'INVALID_INPUT', message: expect.stringContaining('backup') } } });
    expect(await call('POST', '/v1/restores', {})).toMatchObject({ status: 400 });
    expect(await call('POST', '/v1/restores', { backup: 'x', path: '/etc/passwd' })).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('path') } } });
    for (const path of ['..%2Fx', '.hidden', 'nope-20000101T000000Z']) {
      const r = await download(path);
      expect([400, 404]).toContain(r.status);
    }
    expect(await jobs()).toBe(queuedBefore);
  });

  it('a symbolic link in the backup folder is not a backup, wherever it points', async () => {
    const target = join(outside, 'secret.kxbackup');
    writeFileSync(target, 'outside the folder');
    symlinkSync(target, join(env.config.backupDir, 'hb-link-20000101T000000Z.kxbackup'));
    symlinkSync(outside, join(env.config.backupDir, 'hb-dir-20000101T000000Z.kxbackup'));
    for (const id of ['hb-link-20000101T000000Z', 'hb-dir-20000101T000000Z']) {
      expect((await download(id)).status).toBe(404);
      expect(await call('POST', '/v1/restores', { backup: id, as: 'hb-link' })).toMatchObject({ status: 404, body: { error: { code: 'BACKUP_NOT_FOUND' } } });
    }
  });

  it('bad tenants, modes, servers and bodies', async () => {
    const backupId = backupFiles().find((f) => f.startsWith('hb-src-'))!.replace(/\.kxbackup$/, '');
    const cases: Array<[string, string, unknown, number, RegExp]> = [
      ['POST', '/v1/tenants/nope-tenant/backups', undefined, 404, /nope-tenant/],
      ['POST', '/v1/tenants/BAD_ID/backups', undefined, 400, /.+/],
      ['POST', '/v1/tenants/hb-src/backups', { out: '/tmp/x' }, 400, /out/],
      ['POST', '/v1/tenants/hb-src/backups', { passphrase: 12 }, 400, /passphrase/],
      ['POST', '/v1/restores', { backup: backupId }, 409, /hb-src.*already exists/],
      ['POST', '/v1/restores', { backup: backupId, as: 'hb-copy' }, 409, /already exists/],
      ['POST', '/v1/restores', { backup: backupId, as: 'Not An Id' }, 400, /.+/],
      ['POST', '/v1/restores', { backup: backupId, as: 'hb-m', mode: 'cluster' }, 400, /mode|database|schema/],
      ['POST', '/v1/restores', { backup: backupId, as: 'hb-s', server: 'nowhere' }, 404, /nowhere/],
      ['POST', '/v1/tenants/hb-src/clone', { id: 'hb-copy' }, 409, /already exists/],
      ['POST', '/v1/tenants/nope-tenant/clone', { id: 'hb-c2' }, 404, /nope-tenant/],
      ['POST', '/v1/tenants/hb-src/clone', {}, 400, /id/],
      ['POST', '/v1/tenants/hb-src/clone', { id: 'hb-c3', mode: 'x' }, 400, /.+/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const r = await call(method, path, body);
      expect({ path, body, status: r.status, code: typeof r.body?.error?.code }).toEqual({ path, body, status, code: 'string' });
      expect(r.body.error.message).toMatch(message);
    }
    // the upload route takes octet-stream only; the JSON routes never do
    expect(await call('POST', '/v1/backups', { backup: backupId })).toMatchObject({ status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('application/octet-stream') } } });
    expect(await call('POST', '/v1/backups')).toMatchObject({ status: 415 });
    expect(await call('POST', '/v1/restores', Buffer.from('{}'))).toMatchObject({ status: 415 });
    expect(await call('POST', '/v1/backups', Buffer.alloc(0))).toMatchObject({ status: 422, body: { error: { code: 'BACKUP_UNREADABLE' } } });
    expect(existsSync(join(env.config.backupDir, 'nope-tenant'))).toBe(false);
  });

  it('without the operator token: 401, nothing sent', async () => {
    const backupId = backupFiles().find((f) => f.startsWith('hb-src-'))!.replace(/\.kxbackup$/, '');
    const res = await fetch(`${server.url}/v1/backups/${backupId}/download`);
    expect(res.status).toBe(401);
    expect((await fetch(`${server.url}/v1/backups`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from('x') })).status).toBe(401);
  });
});
