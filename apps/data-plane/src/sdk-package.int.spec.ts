import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createTestEnv, testCertificateAuthority, TestEnv } from '@kryonix/testing';
import { DataPlaneServer, startDataPlane } from './server';

/**
 * The SDK as a tenant app gets it: built into a package (tools/build-sdk.mjs), packed with
 * `npm pack`, installed offline into an app outside the workspace, type-checked there
 * (strict, declarations checked too) and run against a real data plane over HTTPS that
 * the app verifies: a leaf for <tenant>.localhost signed by a throwaway CA, trusted once
 * through the `ca` option and once through NODE_EXTRA_CA_CERTS.
 */
const ROOT = resolve(__dirname, '../../..');
const TSC = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
const TYPE_ROOTS = dirname(dirname(require.resolve('@types/node/package.json')));
const TENANT = 'sdk-app';

let env: TestEnv;
let server: DataPlaneServer;
let work: string;
let app: string;
let caFile: string;
let otherCaFile: string;
let apiKey: string;
let tarball: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A child with a clean environment: nothing of an enclosing `npm test` (npm_*) leaks into npm or the app. */
function run(file: string, args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE_EXTRA_CA_CERTS' && k !== 'NODE_OPTIONS')) as Record<string, string>;
  return new Promise((done) => {
    execFile(file, args, { cwd: options.cwd, env: { ...base, ...options.env }, timeout: 90_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}
const npm = (args: string[], cwd: string) => run('npm', [...args, '--cache', join(work, 'npm-cache'), '--no-audit', '--no-fund', '--no-update-notifier'], { cwd });

const APP_TS = `import { readFileSync } from 'node:fs';
import { KryonixApiError, KryonixSDK, type Lead, type Page } from '@kryonix/sdk/node';

async function main(): Promise<void> {
  const caFile = process.env.APP_CA_FILE;
  const kryonix = new KryonixSDK({
    apiKey: process.env.KRYONIX_API_KEY!,
    baseUrl: process.env.KRYONIX_URL,
    ...(caFile ? { ca: readFileSync(caFile) } : {}),
  });
  const lead: Lead = await kryonix.crm.leads.create({ nome: process.argv[2] ?? 'Maria Silva', telefone: '11999990000', score: 80 });
  const page: Page<Lead> = await kryonix.crm.leads.list({ status: 'novo' }, { limit: 100 });
  console.log(JSON.stringify({ tenant: kryonix.tenantId, created: lead.nome, score: lead.score, listed: page.items.map((l) => l.nome) }));
}

main().catch((error: unknown) => {
  console.error(error instanceof KryonixApiError ? \`\${error.code}: \${error.message}\` : error);
  process.exit(1);
});
`;

// ESM, the tenant's URL from baseDomain + port, trust from NODE_EXTRA_CA_CERTS; the Node
// entry's SDK is the main entry's. The main entry (Node's own fetch, which cannot resolve
// *.localhost) verifies with NODE_EXTRA_CA_CERTS too: at 127.0.0.1, which the leaf also
// names, the data plane answers, and refuses the Host.
const ESM_MTS = `import { KryonixApiError, KryonixSDK as FetchSDK } from '@kryonix/sdk';
import { KryonixSDK } from '@kryonix/sdk/node';

const kryonix: FetchSDK = new KryonixSDK({ apiKey: process.env.KRYONIX_API_KEY!, baseDomain: 'localhost', port: Number(process.env.KRYONIX_PORT) });
const { items } = await kryonix.crm.leads.list();
const viaFetch = new FetchSDK({ apiKey: process.env.KRYONIX_API_KEY!, baseUrl: \`https://127.0.0.1:\${process.env.KRYONIX_PORT}\` });
const answer = await viaFetch.crm.leads.list().then(
  () => 'listed',
  (error: unknown) => (error instanceof KryonixApiError ? \`\${error.status} \${error.code}\` : String(error)),
);
console.log(JSON.stringify({ baseUrl: kryonix.baseUrl, count: items.length, viaFetch: answer }));
`;

beforeAll(async () => {
  env = await createTestEnv('sdk-package');
  const core = await env.open();
  apiKey = (await core.provisioner.create({ id: TENANT, name: 'SDK app', modules: ['crm'], mode: 'schema' })).apiKey!;
  const ca = await testCertificateAuthority();
  const leaf = await ca.issue([`${TENANT}.localhost`, '127.0.0.1']);
  const tls = join(env.home, 'test-tls');
  await mkdir(tls, { recursive: true });
  caFile = join(tls, 'ca.crt');
  otherCaFile = join(tls, 'other-ca.crt');
  await writeFile(caFile, ca.cert);
  await writeFile(otherCaFile, (await testCertificateAuthority('Another test CA')).cert);
  await writeFile(join(tls, 'leaf.crt'), leaf.cert);
  await writeFile(join(tls, 'leaf.key'), leaf.key, { mode: 0o600 });
  server = await startDataPlane({
    env: { ...env.env, KRYONIX_TLS_CERT: join(tls, 'leaf.crt'), KRYONIX_TLS_KEY: join(tls, 'leaf.key'), KRYONIX_BASE_DOMAIN: 'localhost', KRYONIX_LOG_LEVEL: 'silent' },
    port: 0,
  });
  // outside the workspace: no node_modules, tsconfig or package.json of the repo above it
  work = await mkdtemp(join(tmpdir(), 'kryonix-sdk-app-'));
  app = join(work, 'app');
}, 120_000);
afterAll(async () => {
  await server?.close();
  await env?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

const appEnv = (extra: Record<string, string>) => ({ KRYONIX_API_KEY: apiKey, KRYONIX_URL: `https://${TENANT}.localhost:${server.port}`, ...extra });

describe('@kryonix/sdk as a package', () => {
  it('builds and packs: ESM and CommonJS with declarations, both entries, no dependencies, nothing of @kryonix/domain', async () => {
    const pkg = join(work, 'package');
    const built = await run(process.execPath, [join(ROOT, 'tools/build-sdk.mjs'), pkg], { cwd: ROOT });
    expect(built).toMatchObject({ code: 0 });
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({
      name: '@kryonix/sdk',
      exports: {
        '.': { import: { types: './dist/index.d.mts', default: './dist/index.mjs' }, require: { types: './dist/index.d.ts', default: './dist/index.cjs' } },
        './node': { import: { types: './dist/node.d.mts', default: './dist/node.mjs' }, require: { types: './dist/node.d.ts', default: './dist/node.cjs' } },
      },
    });
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.peerDependencies).toBeUndefined();

    const packed = await npm(['pack', '--json', '--pack-destination', work], pkg);
    expect(packed).toMatchObject({ code: 0 });
    const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(work, info.filename);
    expect(existsSync(tarball)).toBe(true);
    const files = info.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.mjs', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.mts', 'dist/node.mjs', 'dist/node.cjs', 'dist/node.d.ts', 'dist/node.d.mts', 'dist/types.d.ts']));
    for (const file of files.filter((f) => f.startsWith('dist/'))) expect([file, readFileSync(join(pkg, file), 'utf8').includes('@kryonix/domain')]).toEqual([file, false]);
    // the main entry is fetch only: no Node built-in in it
    for (const file of ['dist/index.mjs', 'dist/index.cjs']) expect([file, /\bnode:|require\(/.test(readFileSync(join(pkg, file), 'utf8'))]).toEqual([file, false]);
  }, 120_000);

  it('installs offline into an app outside the workspace, which type-checks (strict, declarations included)', async () => {
    expect(tarball).toBeDefined();
    await mkdir(app, { recursive: true });
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'tenant-app', version: '1.0.0', private: true }, null, 2));
    await writeFile(join(app, 'app.ts'), APP_TS);
    await writeFile(join(app, 'esm.mts'), ESM_MTS);
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noUnusedLocals: true, outDir: 'out', types: ['node'], typeRoots: [TYPE_ROOTS] },
        files: ['app.ts', 'esm.mts'],
      }),
    );
    const installed = await npm(['install', tarball, '--offline'], app);
    expect(installed).toMatchObject({ code: 0 });
    expect(JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).dependencies).toEqual({ '@kryonix/sdk': expect.stringMatching(/^file:.*kryonix-sdk-.*\.tgz$/) });
    expect((await readdir(join(app, 'node_modules'))).sort()).toEqual(['.package-lock.json', '@kryonix']); // no dependency came with it

    const compiled = await run(process.execPath, [TSC, '-p', app], { cwd: app });
    expect(compiled).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(existsSync(join(app, 'out', 'app.js')) && existsSync(join(app, 'out', 'esm.mjs'))).toBe(true);
  }, 120_000);

  it('runs against the data plane over verified HTTPS, trusting the CA through the ca option', async () => {
    const result = await run(process.execPath, ['out/app.js', 'Maria Silva'], { cwd: app, env: appEnv({ APP_CA_FILE: caFile }) });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual({ tenant: TENANT, created: 'Maria Silva', score: 80, listed: ['Maria Silva'] });
  });

  it('runs with the CA in NODE_EXTRA_CA_CERTS instead (CommonJS and ESM), and with both', async () => {
    const viaEnv = await run(process.execPath, ['out/app.js', 'João Souza'], { cwd: app, env: appEnv({ NODE_EXTRA_CA_CERTS: caFile }) });
    expect(viaEnv).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(viaEnv.stdout).listed.sort()).toEqual(['João Souza', 'Maria Silva']);

    const esm = await run(process.execPath, ['out/esm.mjs'], { cwd: app, env: appEnv({ NODE_EXTRA_CA_CERTS: caFile, KRYONIX_PORT: String(server.port) }) });
    expect(esm).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(esm.stdout)).toEqual({ baseUrl: `https://${TENANT}.localhost:${server.port}`, count: 2, viaFetch: '404 TENANT_NOT_FOUND' }); // an answer: TLS verified

    // `ca` adds to what Node trusts: NODE_EXTRA_CA_CERTS still counts when an unrelated CA is given
    const both = await run(process.execPath, ['out/app.js', 'Ana Lima'], { cwd: app, env: appEnv({ NODE_EXTRA_CA_CERTS: caFile, APP_CA_FILE: otherCaFile }) });
    expect(both).toMatchObject({ code: 0, stderr: '' });
  });

  it('without the CA, the app fails on TLS, naming the host, the port and Node’s code', async () => {
    const result = await run(process.execPath, ['out/app.js'], { cwd: app, env: appEnv({ APP_CA_FILE: otherCaFile }) });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `NETWORK: POST https://${TENANT}.localhost:${server.port}/api/crm/leads: TLS: the certificate of ${TENANT}.localhost:${server.port} is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate): give its CA certificate as the ca option of @kryonix/sdk/node, or in NODE_EXTRA_CA_CERTS`,
    );
  });
});
