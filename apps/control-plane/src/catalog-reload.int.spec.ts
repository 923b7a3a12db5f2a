import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPath } from '@kryonix/platform';
import { createTestEnv, TestEnv } from '@kryonix/testing';
import { ControlPlaneServer, startControlPlane } from './server';

/**
 * A running control plane picks up a changed modules folder by itself: a new migration
 * file is in /v1/modules, in new tenants and in migrations within a second, and drift
 * compares against it, with no restart and no 500.
 */
const TOKEN = 'catalog-reload-operator-token-01';
const modulesDir = mkdtempSync(join(tmpdir(), 'kx-reload-modules-'));
let env: TestEnv;
let server: ControlPlaneServer;

beforeAll(async () => {
  cpSync(projectPath('sql', 'modules'), modulesDir, { recursive: true });
  env = await createTestEnv('catalog-reload');
  server = await startControlPlane({ env: { ...env.env, KRYONIX_MODULES_DIR: modulesDir, KRYONIX_OPERATOR_TOKEN: TOKEN, KRYONIX_LOG_LEVEL: 'silent', KRYONIX_JOB_POLL_MS: '50' }, port: 0 });
});
afterAll(async () => {
  await server?.close();
  await env?.cleanup();
  rmSync(modulesDir, { recursive: true, force: true });
});

const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: (await res.json()) as any };
};
const crmVersion = async () => (await call('GET', '/v1/modules')).body.items.find((m: { name: string }) => m.name === 'crm').version as number;

it('a new migration file reaches /v1/modules, new tenants and migrations within a second, with no restart', async () => {
  expect((await call('POST', '/v1/tenants', { id: 'cr-before', name: 'Before', modules: ['crm'], mode: 'schema' })).status).toBe(201);
  expect(await crmVersion()).toBe(2);
  writeFileSync(join(modulesDir, 'crm', '0003_tags.sql.hbs'), 'CREATE TABLE {{schema}}.tags (id serial PRIMARY KEY, nome text NOT NULL);\n');
  const deadline = Date.now() + 1_500;
  while ((await crmVersion()) !== 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(await crmVersion()).toBe(3);
  // a tenant created now gets version 3
  expect((await call('POST', '/v1/tenants', { id: 'cr-after', name: 'After', modules: ['crm'], mode: 'schema' })).status).toBe(201);
  const after = await call('GET', '/v1/tenants/cr-after');
  expect(after.body.migrations.map((m: { version: number }) => m.version)).toEqual([1, 2, 3]);
  // the older tenant is migrated to it by a durable job; drift sees no difference afterwards
  const job = await call('POST', '/v1/migrations', {});
  expect(job.status).toBe(202);
  let state = job.body;
  for (let i = 0; i < 200 && state.status !== 'succeeded' && state.status !== 'failed'; i++) {
    await new Promise((r) => setTimeout(r, 50));
    state = (await call('GET', `/v1/jobs/${job.body.id}`)).body;
  }
  expect(state.status).toBe('succeeded');
  expect((await call('GET', '/v1/tenants/cr-before')).body.migrations.map((m: { version: number }) => m.version)).toEqual([1, 2, 3]);
  const drift = await call('GET', '/v1/drift');
  expect(drift.status).toBe(200);
  expect(drift.body).toEqual({ checked: 2, drifted: [] });
});
