import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsTenant, createTestEnv, TestEnv, withAdmin } from '@kryonix/testing';
import { startControlPlane } from './server';
import { StartupTasks } from './worker/startup-tasks';

/** What a control plane does when it starts: session timeouts onto existing tenant roles, staging folders of killed writes swept. */
let env: TestEnv;

beforeAll(async () => {
  env = await createTestEnv('role-timeouts');
  const core = await env.open();
  for (const [id, mode] of [
    ['rt-db', 'database'],
    ['rt-schema', 'schema'],
  ] as const) {
    await core.provisioner.create({ id, name: id, modules: ['crm'], mode });
  }
});
afterAll(() => env?.cleanup());

const settingsOf = async (id: string) => {
  const own = await connectAsTenant(env, id, id === 'rt-db' ? 'kryonix_cliente_rt_db' : 'kryonix_tenants');
  try {
    return (await own.query(`SELECT current_setting('statement_timeout') AS s, current_setting('lock_timeout') AS l, current_setting('idle_in_transaction_session_timeout') AS i`)).rows[0];
  } finally {
    await own.end();
  }
};

it('a control plane starting with other session timeouts updates the existing tenant roles (their own logins), and removes staging folders of killed writes', async () => {
  // made by a core with the defaults
  expect(await settingsOf('rt-db')).toEqual({ s: '30s', l: '10s', i: '1min' });
  expect(readFileSync(join(env.config.outputDir, 'rt-db', 'sdk.env'), 'utf8')).toContain('KRYONIX_URL=https://rt-db.kryonix.test:8443\n'); // the data plane's port
  // what a create killed during write_files leaves (its process long gone)
  const leftover = join(env.config.outputDir, '.staging', `rt-db.tmp-${2 ** 22 + 7}-1700000000000`);
  mkdirSync(leftover, { recursive: true });
  const control = await startControlPlane({
    env: { ...env.env, KRYONIX_OPERATOR_TOKEN: 'timeouts-operator-token-0123', KRYONIX_LOG_LEVEL: 'silent', KRYONIX_STATEMENT_TIMEOUT: '12s', KRYONIX_LOCK_TIMEOUT: '3s', KRYONIX_IDLE_IN_TRANSACTION_TIMEOUT: '45s', KRYONIX_JOB_POLL_MS: '0', KRYONIX_PUBLIC_URL: 'https://<id>.apps.example.com' },
    port: 0,
  });
  try {
    await control.app.get(StartupTasks).done;
    for (const id of ['rt-db', 'rt-schema']) expect(await settingsOf(id)).toEqual({ s: '12s', l: '3s', i: '45s' });
    expect(existsSync(leftover)).toBe(false);
    expect(existsSync(join(env.config.outputDir, 'rt-db', 'sdk.env'))).toBe(true);
    // KRYONIX_PUBLIC_URL changed: sdk.env of existing tenants says the new URL, and so does show
    for (const id of ['rt-db', 'rt-schema']) expect(readFileSync(join(env.config.outputDir, id, 'sdk.env'), 'utf8')).toContain(`KRYONIX_URL=https://${id}.apps.example.com\n`);
    const shown = (await (await fetch(`${control.url}/v1/tenants/rt-db`, { headers: { authorization: 'Bearer timeouts-operator-token-0123' } })).json()) as { url: string };
    expect(shown.url).toBe('https://rt-db.apps.example.com');
    const left = await withAdmin(async (c) => (await c.query(`SELECT count(*)::int AS n FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname LIKE 'cliente\\_rt\\_%' AND NOT s.setconfig @> ARRAY['statement_timeout=12000']`)).rows[0].n);
    expect(left).toBe(0);
  } finally {
    await control.close();
  }
});
