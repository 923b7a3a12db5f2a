import { Client } from 'pg';
import { ExtraPostgres, TestCore, TestEnv, createTestEnv, startExtraPostgres, withAdmin } from '@kryonix/testing';
import { AddServerCommand, BackupTenantCommand, CreateTenantCommand, RunNextJobCommand, SubmitBackupJobCommand } from '../index';

/**
 * A restore job cut short by an outage of the server it restores onto, so badly that its
 * own undo could not finish either (the tenant left half-made, `provisioning`): the job is
 * put back (the outage is not its fault), and its retry, once the server is back, undoes
 * that half-made tenant first (its log row names this job) and restores it whole.
 */
let env: TestEnv;
let b: ExtraPostgres;
let plain: TestCore;
let paused: TestCore;
const DB = 'kryonix_cliente_rj_copy';
const registry = async (text: string, values: unknown[] = []) => (await withAdmin((c) => c.query(text, values), env.config.registryDatabase)).rows;
const onB = <R>(database: string, fn: (c: Client) => Promise<R>) => withAdmin(fn, database, b.url);

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  [env, b] = await Promise.all([createTestEnv('rj'), startExtraPostgres('rj-b')]);
  plain = await env.open();
  // a pause after record_modules: time to hold load_data on a lock, then stop the server under it
  paused = await env.open({ KRYONIX_FAILPOINTS: 'record_modules=pause' });
  await plain.commands.execute(new AddServerCommand({ name: 'rj-b', adminUrl: b.url, moves: false }));
  await plain.commands.execute(new CreateTenantCommand({ id: 'rj-src', name: 'Fonte Ltda', modules: ['crm'], mode: 'database', server: 'default' }));
  await withAdmin((c) => c.query(`INSERT INTO crm.leads (nome) SELECT 'Lead ' || g FROM generate_series(1, 200) g`), 'kryonix_cliente_rj_src');
}, 300_000);
afterAll(async () => {
  await env?.cleanup();
  await b?.destroy();
});

it("a restore job cut short by an outage (its undo too) is put back, and its retry undoes its own half-made tenant, then restores it whole", async () => {
  const { backupId } = await plain.commands.execute(new BackupTenantCommand({ id: 'rj-src' }));
  const queued = await plain.commands.execute(new SubmitBackupJobCommand({ kind: 'restore_tenant', backup: backupId, as: 'rj-copy', server: 'rj-b' }));
  const running = paused.commands.execute(new RunNextJobCommand('worker-1', 60_000, 1_000));
  // load_data waits on a lock this test holds, then the server goes away under both
  await until(() => onB(DB, async (c) => (await c.query(`SELECT to_regclass('crm.leads') IS NOT NULL AS made`)).rows[0].made), 'the tables on rj-b');
  const holder = new Client({ connectionString: Object.assign(new URL(b.url), { pathname: `/${DB}` }).toString() });
  holder.on('error', () => undefined); // terminated by the stop
  await holder.connect();
  await holder.query(`BEGIN; LOCK TABLE crm.leads IN ACCESS EXCLUSIVE MODE`);
  await until(() => onB('postgres', async (c) => (await c.query(`SELECT 1 FROM pg_locks WHERE NOT granted`)).rowCount! > 0), 'load_data waiting on the lock');
  await b.stop();
  const first = await running;
  expect(first).toMatchObject({ id: queued.id, status: 'queued', attempts: 0 }); // put back, its attempt given back
  expect(await registry(`SELECT status FROM tenant_management.clientes WHERE id = 'rj-copy'`)).toEqual([{ status: 'provisioning' }]); // half-made
  await holder.end().catch(() => undefined);

  await b.start();
  let retried;
  const deadline = Date.now() + 120_000;
  while (!(retried = await plain.commands.execute(new RunNextJobCommand('worker-2', 60_000, 1_000)))) {
    if (Date.now() > deadline) throw new Error('the job was never due again');
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(retried).toMatchObject({ id: queued.id, status: 'succeeded', result: { id: 'rj-copy', server: 'rj-b', rows: 200 } });
  expect(retried.result?.['steps']).toEqual(expect.arrayContaining([expect.objectContaining({ step: 'create_database', status: 'desfeito' })]));
  expect(await registry(`SELECT status FROM tenant_management.clientes WHERE id = 'rj-copy'`)).toEqual([{ status: 'active' }]);
  expect(await onB(DB, async (c) => (await c.query(`SELECT count(*)::int AS n FROM crm.leads`)).rows)).toEqual([{ n: 200 }]);
  expect(await registry(`SELECT count(*)::int AS n FROM tenant_management.logs_auto_creation WHERE cliente_id = 'rj-copy' AND acao = 'inicio_rollback'`)).toEqual([{ n: 1 }]);
}, 400_000);
