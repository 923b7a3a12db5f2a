import { existsSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:tls';
import { CreateTenantCommand, DeleteTenantCommand, IssueTenantCertificatesCommand } from '@kryonix/tenants';
import { LocalCertificateAuthority } from '@kryonix/platform';
import { createTestEnv, httpsRequest, TestEnv, type TestCore } from '@kryonix/testing';
import { DataPlaneServer, startDataPlane } from './server';

/**
 * HTTPS a client verifies: the local CA made (as `kryonix up` does), tenants created through
 * the create command (the handler every door runs), the data plane given only the leaf folder.
 */
let env: TestEnv;
let core: TestCore;
let server: DataPlaneServer;
let authority: LocalCertificateAuthority;
let ca: string;

beforeAll(async () => {
  env = await createTestEnv('local-ca');
  authority = new LocalCertificateAuthority(env.home);
  await authority.ensure('kryonix.test');
  await authority.ensureDefaultLeaf('kryonix.test');
  ca = readFileSync(authority.paths.cert, 'utf8');
  core = await env.open();
  server = await startDataPlane({ env: { ...env.env, KRYONIX_TLS_DIR: authority.paths.leaves, KRYONIX_LOG_LEVEL: 'silent' }, port: 0 });
});
afterAll(async () => {
  await server?.close();
  await env?.cleanup();
});

const create = (id: string) => core.commands.execute(new CreateTenantCommand({ id, name: id, modules: ['crm'], mode: 'schema' }));

/** One TLS handshake with 127.0.0.1 for `servername` (none: no SNI), trusting the local CA only. */
function handshake(servername: string | undefined, verify = true): Promise<{ ok: true; subject: string } | { ok: false; code: string; subject?: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: server.port, ...(servername ? { servername } : {}), ca, rejectUnauthorized: verify }, () => {
      const subject = socket.getPeerCertificate().subject.CN as string;
      resolve(socket.authorized ? { ok: true, subject } : { ok: false, code: String(socket.authorizationError), subject });
      socket.end();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, code: String(e.code) }));
  });
}

it("serves a tenant created through the create command with its own leaf, which a client verifies with the local CA (rejectUnauthorized on)", async () => {
  const tenant = await create('lca-acme');
  expect(statSync(authority.paths.key).mode & 0o777).toBe(0o600);
  expect(statSync(`${authority.paths.leaves}/lca-acme.pem`).mode & 0o777).toBe(0o600);
  expect(await handshake('lca-acme.kryonix.test')).toEqual({ ok: true, subject: 'lca-acme.kryonix.test' });
  const served = await httpsRequest({ port: server.port, host: 'lca-acme.kryonix.test', path: '/api/crm/leads', headers: { authorization: `Bearer ${tenant.apiKey}` }, ca });
  expect(served).toMatchObject({ status: 200, body: { items: [] } });
  // the plan logged the step
  const log = await core.registry.selectFrom('tenant_management.logs_auto_creation').select(['acao']).where('cliente_id', '=', 'lca-acme').execute();
  expect(log.map((r) => r.acao)).toContain('issue_certificate');
});

it('a tenant created while the data plane runs is served with its own verified leaf, without a restart', async () => {
  // asked for before it exists: the default certificate, which does not carry the name
  expect(await handshake('lca-late.kryonix.test')).toMatchObject({ ok: false, code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  await create('lca-late');
  const deadline = Date.now() + 5_000;
  let outcome = await handshake('lca-late.kryonix.test');
  while (!outcome.ok && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    outcome = await handshake('lca-late.kryonix.test');
  }
  expect(outcome).toEqual({ ok: true, subject: 'lca-late.kryonix.test' });
});

it('an unknown name, a name outside the base domain, a reserved or path-like one, or no SNI gets the default certificate', async () => {
  for (const name of ['nobody.kryonix.test', 'lca-acme.example.com', 'www.kryonix.test', '_default.kryonix.test', '..-..kryonix.test']) {
    expect(await handshake(name, false)).toMatchObject({ subject: 'localhost' });
    expect(await handshake(name)).toMatchObject({ ok: false, code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  }
  // no SNI (a client that dials the address): the default leaf carries 127.0.0.1, and verifies
  expect(await handshake(undefined)).toEqual({ ok: true, subject: 'localhost' });
});

it('the data plane is given the leaf folder only: nothing in its settings names the CA or its key', () => {
  expect(server.config.tlsDir).toBe(authority.paths.leaves);
  const values = Object.values(server.config).filter((v): v is string => typeof v === 'string');
  expect(values.filter((v) => v.includes(authority.paths.key) || v.includes(authority.paths.cert))).toEqual([]);
});

it('a purge removes the leaf; the start-up pass issues missing ones and removes those of tenants that are gone', async () => {
  await core.commands.execute(new DeleteTenantCommand('lca-late', true));
  expect(existsSync(`${authority.paths.leaves}/lca-late.pem`)).toBe(false);
  const deadline = Date.now() + 5_000;
  let outcome = await handshake('lca-late.kryonix.test');
  while (outcome.ok && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    outcome = await handshake('lca-late.kryonix.test');
  }
  expect(outcome).toMatchObject({ ok: false, code: 'ERR_TLS_CERT_ALTNAME_INVALID' });

  // a leaf lost (or never issued: the tenant made before the CA) and one left over
  await authority.removeLeaf('lca-acme');
  await authority.ensureLeaf('lca-gone', { dns: ['lca-gone.kryonix.test'] });
  expect(await core.commands.execute(new IssueTenantCertificatesCommand())).toEqual({ issued: ['lca-acme'], renewed: [], removed: ['lca-gone'] });
  expect(await core.commands.execute(new IssueTenantCertificatesCommand())).toEqual({ issued: [], renewed: [], removed: [] });
});

it('where the local CA is off, a create issues no leaf and its plan has no such step', async () => {
  const off = await env.open({ KRYONIX_LOCAL_CA: 'off' });
  await off.commands.execute(new CreateTenantCommand({ id: 'lca-off', name: 'lca-off', modules: ['crm'], mode: 'schema' }));
  expect(existsSync(`${authority.paths.leaves}/lca-off.pem`)).toBe(false);
  const log = await off.registry.selectFrom('tenant_management.logs_auto_creation').select(['acao']).where('cliente_id', '=', 'lca-off').execute();
  expect(log.map((r) => r.acao)).not.toContain('issue_certificate');
  expect(await off.commands.execute(new IssueTenantCertificatesCommand())).toEqual({ issued: [], renewed: [], removed: [] });
});
