import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSelfSignedCertificate } from '@kryonix/platform';
import { projectPath } from '@kryonix/platform';
import { createTestEnv, httpsRequest, TestEnv, type TestCore } from '@kryonix/testing';
import { DataPlaneServer, startDataPlane } from './server';

/**
 * 422 on a CHECK violation. The shipped modules (frozen migrations) have no CHECK
 * constraint, so this file runs on a copy of them with a crm version 3 that adds one.
 */
const modulesDir = mkdtempSync(join(tmpdir(), 'kx-check-modules-'));
let env: TestEnv;
let core: TestCore;
let server: DataPlaneServer;
let ca: string;
let key: string;

beforeAll(async () => {
  cpSync(projectPath('sql', 'modules'), modulesDir, { recursive: true });
  writeFileSync(join(modulesDir, 'crm', '0003_score_range.sql.hbs'), 'ALTER TABLE {{schema}}.leads ADD CONSTRAINT leads_score_range CHECK (score BETWEEN 0 AND 100);\n');
  env = await createTestEnv('check');
  const modules = { KRYONIX_MODULES_DIR: modulesDir };
  core = await env.open(modules);
  key = (await core.provisioner.create({ id: 'ck-tenant', name: 'Check', modules: ['crm'], mode: 'schema' })).apiKey!;
  const tls = await ensureSelfSignedCertificate(join(env.home, 'tls'), 'kryonix.test');
  ca = readFileSync(tls.cert, 'utf8');
  server = await startDataPlane({ env: { ...env.env, ...modules, KRYONIX_TLS_CERT: tls.cert, KRYONIX_TLS_KEY: tls.key, KRYONIX_LOG_LEVEL: 'silent' }, port: 0 });
});
afterAll(async () => {
  await server?.close();
  await env?.cleanup();
  rmSync(modulesDir, { recursive: true, force: true });
});

const post = (body: unknown) =>
  httpsRequest({ port: server.port, host: 'ck-tenant.kryonix.test', method: 'POST', path: '/api/crm/leads', headers: { authorization: `Bearer ${key}` }, body, ca });

it('a value breaking a CHECK constraint is 422 UNPROCESSABLE naming the rule; a value within it is created', async () => {
  const broken = await post({ nome: 'Fora da faixa', score: 150 });
  expect(broken.status).toBe(422);
  expect(broken.body.error).toEqual({ code: 'UNPROCESSABLE', message: expect.stringContaining('leads_score_range') });
  const fine = await post({ nome: 'Dentro da faixa', score: 90 });
  expect(fine.status).toBe(201);
  expect(fine.body).toMatchObject({ nome: 'Dentro da faixa', score: 90 });
});
