import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestCore, TestEnv, createTestEnv, withAdmin } from '@kryonix/testing';
import { BackupTenantCommand, CreateTenantCommand, DeleteTenantCommand, ListBackupsQuery, RefreshTenantFilesCommand, RunNextJobCommand, ScheduleBackupsCommand, SuspendTenantCommand } from '../index';

let env: TestEnv;
let plain: TestCore;
let scheduled: TestCore;
let other: TestCore;
const SCHEDULE = { KRYONIX_BACKUP_SCHEDULE: '0 3 * * *', KRYONIX_BACKUP_KEEP: '2' };

/** The scheduled backup jobs: tenant → the scheduled times they are for. */
async function jobs(): Promise<Map<string, string[]>> {
  const rows = await withAdmin(
    async (c) => (await c.query(`SELECT tenant_id, payload->>'scheduledFor' AS at FROM tenant_management.jobs WHERE kind = 'scheduled_backup' ORDER BY tenant_id, payload->>'scheduledFor'`)).rows as Array<{ tenant_id: string; at: string }>,
    env.config.registryDatabase,
  );
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.tenant_id, [...(out.get(r.tenant_id) ?? []), r.at]);
  return out;
}

/** Runs queued jobs until none is due; their results. */
async function runJobs(core: TestCore): Promise<Array<Record<string, unknown>>> {
  const results: Array<Record<string, unknown>> = [];
  for (;;) {
    const job = await core.commands.execute(new RunNextJobCommand('test-worker', 60_000, 1_000));
    if (!job) return results;
    expect(job).toMatchObject({ status: 'succeeded' });
    results.push(job.result as Record<string, unknown>);
  }
}

/** 03:00 UTC `days` after the tenants were made, plus some minutes. */
const dayAfter = (days: number, minutes = 10) => {
  const d = new Date();
  d.setUTCHours(3, minutes, 0, 0);
  return new Date(d.getTime() + days * 86_400_000);
};
const at3 = (days: number) => dayAfter(days, 0).toISOString();

beforeAll(async () => {
  env = await createTestEnv('sched-bk');
  plain = await env.open();
  for (const id of ['sb-one', 'sb-two', 'sb-paused']) await plain.commands.execute(new CreateTenantCommand({ id, name: id, modules: ['crm'], mode: 'schema' }));
  await plain.commands.execute(new SuspendTenantCommand('sb-paused'));
  // the files as written without a schedule, and the marker saying so
  await plain.commands.execute(new RefreshTenantFilesCommand());
  scheduled = await env.open(SCHEDULE);
  other = await env.open(SCHEDULE);
}, 180_000);
afterAll(() => env.cleanup());

describe('scheduled backups (ScheduleBackups and its jobs)', () => {
  it('is off without a schedule', async () => {
    expect(await plain.commands.execute(new ScheduleBackupsCommand(dayAfter(1)))).toBeUndefined();
    expect(await jobs()).toEqual(new Map());
  });

  it('queues one job per active tenant and scheduled time, however many control planes ask at once', async () => {
    // the tenants were made after today's 03:00 (or just before it: then that time already counts)
    const now = dayAfter(1);
    const [a, b] = await Promise.all([scheduled.commands.execute(new ScheduleBackupsCommand(now)), other.commands.execute(new ScheduleBackupsCommand(now))]);
    expect(a!.scheduledFor).toBe(at3(1));
    expect(a!.next).toBe(at3(2));
    expect(a!.queued + b!.queued).toBe(2);
    expect((await scheduled.commands.execute(new ScheduleBackupsCommand(now)))!.queued).toBe(0);
    expect(await jobs()).toEqual(new Map([['sb-one', [at3(1)]], ['sb-two', [at3(1)]]])); // not the suspended one
  });

  it('a run missed while everything was down is made once, for the latest scheduled time, not once per missed time', async () => {
    // nothing ran for four days: days 2, 3, 4 and 5 were missed
    const back = await scheduled.commands.execute(new ScheduleBackupsCommand(dayAfter(5)));
    expect(back).toMatchObject({ scheduledFor: at3(5), queued: 2 });
    expect(await jobs()).toEqual(new Map([['sb-one', [at3(1), at3(5)]], ['sb-two', [at3(1), at3(5)]]]));
  });

  it('the jobs back up each tenant and prune its scheduled backups to KRYONIX_BACKUP_KEEP; manual backups are kept', async () => {
    const manual = await scheduled.commands.execute(new BackupTenantCommand({ id: 'sb-one' }));
    expect((await scheduled.commands.execute(new ScheduleBackupsCommand(dayAfter(6))))!.queued).toBe(2);
    await scheduled.commands.execute(new ScheduleBackupsCommand(dayAfter(7)));
    const results = await runJobs(scheduled);
    expect(results).toHaveLength(8);
    expect(results.filter((r) => r['backupId'] !== null)).toHaveLength(8);
    expect(results.flatMap((r) => r['pruned'] as string[])).toHaveLength(4); // 4 of each tenant made, 2 kept
    const listed = await scheduled.queries.execute(new ListBackupsQuery({ tenant: 'sb-one' }));
    // newest first: the manual one was made before the jobs ran
    expect(listed.map((b) => [b.trigger, b.status])).toEqual([
      ['schedule', 'ok'],
      ['schedule', 'ok'],
      ['manual', 'ok'],
    ]);
    // the two kept are those of the two latest times; every file has a name of its own
    expect(listed.filter((b) => b.trigger === 'schedule').map((b) => b.scheduledFor).sort()).toEqual([at3(6), at3(7)]);
    expect(listed.find((b) => b.trigger === 'manual')?.id).toBe(manual.backupId);
    expect(new Set(listed.map((b) => b.id)).size).toBe(3);
    expect(listed[0]).toMatchObject({ tenant: 'sb-one', key: 'master', modules: { crm: expect.any(Number) } });
    // each job wrote its audit row, the scheduler's
    const audit = await withAdmin(async (c) => (await c.query(`SELECT actor, door, target, outcome, details->>'trigger' AS trigger, details->>'scheduledFor' AS at, details ? 'jobId' AS job FROM tenant_management.audit_log WHERE action = 'tenant.backup' ORDER BY target, details->>'scheduledFor'`)).rows, env.config.registryDatabase);
    expect(audit).toEqual(
      ['sb-one', 'sb-two'].flatMap((target) => [1, 5, 6, 7].map((day) => ({ actor: 'scheduler', door: 'scheduler', target, outcome: 'success', trigger: 'schedule', at: at3(day), job: true }))),
    );

    await scheduled.commands.execute(new ScheduleBackupsCommand(dayAfter(8)));
    // queued while active, deleted before its job ran: nothing to do for that time
    await scheduled.commands.execute(new DeleteTenantCommand('sb-two', false));
    const after = await runJobs(scheduled);
    expect(after.find((r) => r['id'] === 'sb-two')).toMatchObject({ backupId: null, skipped: expect.stringMatching(/deleting|no longer exists/), pruned: [] });
    // a deleted tenant's backups are still listed: they outlive it
    expect((await scheduled.queries.execute(new ListBackupsQuery({ tenant: 'sb-two' }))).length).toBe(2);
  });

  it("rewrites existing tenants' alert rules when the schedule's alerts change", async () => {
    const rules = () => readFileSync(join(env.config.outputDir, 'sb-one', 'alert-rules.yml'), 'utf8');
    expect(rules()).not.toContain('KryonixTenantBackupStale');
    expect(await scheduled.commands.execute(new RefreshTenantFilesCommand())).toEqual(expect.arrayContaining(['sb-one', 'sb-paused']));
    expect(rules()).toContain('kryonix_tenant_last_backup_timestamp_seconds{tenant="sb-one"} > 176400');
    expect(await other.commands.execute(new RefreshTenantFilesCommand())).toEqual([]); // the same settings: nothing to do
  });

  it('shows one backup by its id; refuses a bad tenant or backup id, and says when there is no such backup', async () => {
    const [newest] = await scheduled.queries.execute(new ListBackupsQuery({ tenant: 'sb-one' }));
    expect(await scheduled.queries.execute(new ListBackupsQuery({ id: newest!.id }))).toEqual([newest]);
    await expect(scheduled.queries.execute(new ListBackupsQuery({ tenant: '../etc' }))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(scheduled.queries.execute(new ListBackupsQuery({ id: '../../etc/passwd' }))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(scheduled.queries.execute(new ListBackupsQuery({ id: 'sb-one-19990101T000000Z' }))).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('No backup "sb-one-19990101T000000Z"') });
  });
});
