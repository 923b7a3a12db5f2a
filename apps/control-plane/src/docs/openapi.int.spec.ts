import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { projectPath } from '@kryonix/platform';
import { createTestEnv, TestEnv } from '@kryonix/testing';
import { ControlPlaneServer, startControlPlane } from '../server';

/** The served document and the committed one (npm run generate) come from one function: they must agree. */
let env: TestEnv;
let server: ControlPlaneServer;

beforeAll(async () => {
  env = await createTestEnv('docs');
  server = await startControlPlane({
    env: { ...env.env, KRYONIX_OPERATOR_TOKEN: 'test-operator-token-0123456789', KRYONIX_WORKER_INTERVAL_MS: '0' },
    port: 0,
    logStream: new Writable({ write: (_chunk, _encoding, done) => done() }),
  });
});
afterAll(async () => {
  await server?.close();
  await env.cleanup();
});

it('serves at /docs-json exactly docs/openapi/control-plane.json', async () => {
  const served = (await (await fetch(`${server.url}/docs-json`)).json()) as { components: { schemas: Record<string, { properties: { modules: { items: { enum: string[] } } } }> } };
  expect(served).toEqual(JSON.parse(readFileSync(projectPath('docs', 'openapi', 'control-plane.json'), 'utf8')));
  // with the catalog's modules in the request schemas
  expect(served.components.schemas.CreateTenantRequest.properties.modules.items.enum).toEqual(['agendamento', 'crm', 'financeiro', 'whatsapp']);
});
