import { ChildProcess, spawnSync } from 'node:child_process';
import { projectPath } from '@kryonix/platform';
import { BackupTenantCommand, CreateTenantCommand } from '@kryonix/tenants';
import { TestEnv, createTestEnv, spawnControlPlane, withAdmin } from '@kryonix/testing';

/**
 * Scheduled backups made by real control plane processes (node dist/control-plane.js:
 * `node tools/build.mjs` first): one job per tenant and scheduled time with two of them
 * running, a missed time made once, kept across a restart (kill -9), a queued job run by
 * the next control plane, pruned to KRYONIX_BACKUP_KEEP; `kryonix backup list` and
 * GET /v1/backups; the last-backup metric.
 */
const BIN = projectPath('bin', 'kryonix.js');
const TOKEN = 'sched-operator-token-0123456789';
let env: TestEnv;
const running: ChildProcess[] = [];

const controlPlane = async (extra: Record<string, string>) => {
  const cp = await spawnControlPlane({ ...env.env, KRYONIX_OPERATOR_TOKEN: TOKEN, KRYONIX_METRICS_INTERVAL_MS: '300', KRYONIX_BACKUP_KEEP: '2', ...extra });
  running.push(cp.child);
  return cp;
};
const kill = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGKILL'))));
const stop = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGTERM'))));

function kryonix(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env.env }, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
async function get(url: string, path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const text = await res.text();
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}
async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
type JobRow = { id: string; tenant_id: string; status: string; at: string };
const jobs = () =>
  withAdmin(
    async (c) => (await c.query(`SELECT id, tenant_id, status, payload->>'scheduledFor' AS at FROM tenant_management.jobs WHERE kind = 'scheduled_backup' ORDER BY tenant_id, payload->>'scheduledFor'`)).rows as JobRow[],
    env.config.registryDatabase,
  );

const today = new Date();
today.setUTCHours(0, 0, 0, 0);
const midnight = today.toISOString();
let manualId: string;

beforeAll(async () => {
  env = await createTestEnv('cp-sched');
  const core = await env.open();
  for (const id of ['cs-a', 'cs-b']) await core.commands.execute(new CreateTenantCommand({ id, name: id, modules: ['crm'], mode: 'schema' }));
  manualId = (await core.commands.execute(new BackupTenantCommand({ id: 'cs-a' }))).backupId;
  // made three days ago: the daily times since then were missed
  await withAdmin((c) => c.query(`UPDATE tenant_management.clientes SET created_at = created_at - interval '3 days'`), env.config.registryDatabase);
}, 180_000);
afterAll(async () => {
  await Promise.all(running.map(kill));
  await env.cleanup();
});

describe('scheduled backups in the control plane', () => {
  it('a schedule that does not parse stops the control plane at start with one line (exit 2)', () => {
    const r = spawnSync(process.execPath, [projectPath('dist', 'control-plane.js')], { env: { ...process.env, ...env.env, KRYONIX_OPERATOR_TOKEN: TOKEN, KRYONIX_BACKUP_SCHEDULE: '0 25 * * *' }, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^kryonix control plane: KRYONIX_BACKUP_SCHEDULE must be a cron expression .*; got "0 25 \* \* \*"\.$/);
  });

  it('two control planes make one backup per tenant for the latest missed time; listed by the CLI and GET /v1/backups, with the metric', async () => {
    const [one, two] = await Promise.all([controlPlane({ KRYONIX_BACKUP_SCHEDULE: '0 0 * * *' }), controlPlane({ KRYONIX_BACKUP_SCHEDULE: '0 0 * * *' })]);
    const done = await until('the scheduled backups', async () => {
      const rows = await jobs();
      return rows.length === 2 && rows.every((r) => r.status === 'succeeded') && rows;
    });
    expect(done.map((r) => [r.tenant_id, r.at])).toEqual([['cs-a', midnight], ['cs-b', midnight]]);

    const listed = await get(one.url, '/v1/backups?tenant=cs-a');
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((b: any) => [b.trigger, b.status, b.tenant, b.key])).toEqual([
      ['schedule', 'ok', 'cs-a', 'master'],
      ['manual', 'ok', 'cs-a', 'master'],
    ]);
    expect(listed.body.items[0]).toMatchObject({ scheduledFor: midnight, modules: { crm: expect.any(Number) }, bytes: expect.any(Number) });
    expect(listed.body.items[1].id).toBe(manualId);
    expect((await get(one.url, '/v1/backups')).body.items.map((b: any) => b.tenant)).toEqual(['cs-a', 'cs-a', 'cs-b']);
    const bad = await get(one.url, '/v1/backups?tenant=../etc');
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'INVALID_INPUT', message: expect.stringContaining('tenant') } } });
    expect((await get(one.url, '/v1/backups?path=/etc')).status).toBe(400);

    const takenAt = Date.parse(listed.body.items[0].takenAt) / 1000;
    // the gauge is refreshed on an interval: it shows the manual backup (older) until its next pass
    const metric = await until('the last-backup metric to reach the scheduled backup', async () => {
      const m = /kryonix_tenant_last_backup_timestamp_seconds\{tenant="cs-a"\} (\S+)/.exec((await get(two.url, '/metrics')).body);
      return m && Number(m[1]) > takenAt - 1 && Number(m[1]);
    });
    expect(metric).toBeCloseTo(takenAt, 0);

    // the CLI: through the control plane, and in its own process; the same listing
    const api = kryonix(['--api', one.url, '--token', TOKEN, 'backup', 'list', 'cs-a', '--json']);
    expect(api.code).toBe(0);
    expect(JSON.parse(api.stdout)).toEqual(listed.body.items);
    const local = kryonix(['backup', 'list', '--json']);
    expect(JSON.parse(local.stdout).map((b: any) => b.id)).toEqual((await get(one.url, '/v1/backups')).body.items.map((b: any) => b.id));
    const table = kryonix(['backup', 'list', 'cs-a']);
    expect(table.stdout).toMatch(/^ID +TENANT +TAKEN AT +SIZE +KEY +MADE BY +MODULES +STATUS/);
    expect(table.stdout).toContain(manualId);
    expect(table.stdout).toMatch(/cs-a .* master key +schedule +crm@\d+ +ok/);
    expect(kryonix(['backup', 'list', 'cs-zzz']).stdout).toBe('No backups of cs-zzz.\n');
    // one backup by its id, here and through the control plane
    const byId = JSON.parse(kryonix(['backup', 'list', manualId, '--json']).stdout);
    expect(byId).toEqual([listed.body.items[1]]);
    expect(JSON.parse(kryonix(['--api', one.url, '--token', TOKEN, 'backup', 'list', manualId, '--json']).stdout)).toEqual(byId);
    expect((await get(one.url, '/v1/backups?id=cs-a-19990101T000000Z')).status).toBe(404);
    expect(kryonix(['backup', 'list', 'cs-a-19990101T000000Z'])).toMatchObject({ code: 1, stderr: expect.stringContaining('No backup "cs-a-19990101T000000Z"') });
    expect(kryonix(['backup', 'list', '../etc'])).toMatchObject({ code: 2, stderr: expect.stringContaining('Invalid backup id "../etc"') });

    // restarted (killed): its backups are still there, and the time already made is not made again
    await Promise.all([kill(one.child), kill(two.child)]);
    const three = await controlPlane({ KRYONIX_BACKUP_SCHEDULE: '0 0 * * *' });
    expect((await get(three.url, '/v1/backups?tenant=cs-a')).body.items).toEqual(listed.body.items);
    // an absence cannot be polled for: give its scheduler's first pass time to have run
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect((await jobs()).length).toBe(2);
    await kill(three.child);
  }, 400_000);

  it('a job queued by a control plane killed before it ran is run by the next one; scheduled backups are pruned to KRYONIX_BACKUP_KEEP', async () => {
    await Promise.all(running.map(kill)); // none of the first test's, even if it stopped half-way
    const schedule = { KRYONIX_BACKUP_SCHEDULE: '*/2 * * * * *' };
    // no job worker here: it only queues
    const queuer = await controlPlane({ ...schedule, KRYONIX_JOB_POLL_MS: '0' });
    const queued = await until('jobs queued by the schedule', async () => {
      const rows = (await jobs()).filter((r) => r.at > midnight);
      return new Set(rows.map((r) => r.tenant_id)).size === 2 && rows;
    });
    await kill(queuer.child);
    expect(queued.every((r) => r.status === 'queued')).toBe(true);

    const worker = await controlPlane(schedule);
    await until('the queued jobs and more to have run', async () => {
      const rows = await jobs();
      const succeeded = rows.filter((r) => r.status === 'succeeded' && r.at > midnight);
      const ran = queued.every((q) => rows.find((r) => r.id === q.id)?.status === 'succeeded');
      return ran && ['cs-a', 'cs-b'].every((t) => succeeded.filter((r) => r.tenant_id === t).length >= 3);
    });
    await stop(worker.child); // lets a running job finish (and prune)
    const rows = await jobs();
    expect(rows.length).toBe(new Set(rows.map((r) => `${r.tenant_id} ${r.at}`)).size); // one job per tenant and time

    const listed = JSON.parse(kryonix(['backup', 'list', '--json']).stdout) as Array<{ id: string; tenant: string; trigger: string; status: string }>;
    for (const tenant of ['cs-a', 'cs-b']) expect(listed.filter((b) => b.tenant === tenant && b.trigger === 'schedule' && b.status === 'ok')).toHaveLength(2);
    expect(listed.filter((b) => b.trigger === 'manual').map((b) => b.id)).toEqual([manualId]);
  }, 400_000);
});
