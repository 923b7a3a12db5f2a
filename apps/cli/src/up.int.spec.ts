import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPath, stopEmbeddedPostgres } from '@kryonix/platform';
import { freePort, httpsRequest } from '@kryonix/testing';

const BIN = projectPath('bin', 'kryonix.js');

/** The environment of the child of `parent` running `entry` (from /proc: Linux). */
function processEnvironment(parent: number, entry: string): Record<string, string> {
  const children = readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8').trim().split(/\s+/).map(Number);
  const child = children.find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(entry));
  if (!child) throw new Error(`no child running ${entry}`);
  return Object.fromEntries(
    readFileSync(`/proc/${child}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

/** `kryonix up` on the embedded default: its own KRYONIX_HOME, no KRYONIX_DATABASE_URL. */
describe('kryonix up (embedded PostgreSQL)', () => {
  const home = mkdtempSync(join(tmpdir(), 'kryonix-up-'));
  chmodSync(home, 0o755);
  let env: Record<string, string | undefined>;
  let controlPort: number;
  let dataPort: number;
  let metricsPort: number;

  beforeAll(async () => {
    controlPort = await freePort();
    dataPort = await freePort();
    metricsPort = await freePort();
    env = { ...process.env, KRYONIX_HOME: home, KRYONIX_EMBEDDED_PORT: String(await freePort()), KRYONIX_CONTROL_PORT: String(controlPort), KRYONIX_DATA_PORT: String(dataPort), KRYONIX_DATA_METRICS_PORT: String(metricsPort), KRYONIX_LOG_LEVEL: 'warn' };
    delete env.KRYONIX_DATABASE_URL;
    delete env.KRYONIX_OPERATOR_TOKEN;
  });
  afterAll(() => {
    spawnSync(process.execPath, [BIN, 'db', 'stop'], { env });
    rmSync(home, { recursive: true, force: true });
  });

  async function up(): Promise<{ child: ChildProcess; output: () => string }> {
    const child = spawn(process.execPath, [BIN, 'up'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const deadline = Date.now() + 90_000;
    while (!out.includes('Press Ctrl-C to stop.')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`kryonix up did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return { child, output: () => out };
  }

  async function stop(child: ChildProcess): Promise<number | null> {
    child.kill('SIGINT');
    return new Promise((r) => child.once('exit', (code) => r(code)));
  }

  const running: ChildProcess[] = [];
  afterEach(() => running.forEach((c) => c.exitCode === null && c.kill('SIGINT')));

  it('starts PostgreSQL, the control plane and the data plane, prints where the token is, serves, stops cleanly on Ctrl-C and keeps the data', async () => {
    const first = await up();
    running.push(first.child);
    const tokenFile = join(home, 'operator-token');
    expect(first.output()).toContain(tokenFile);
    expect(first.output()).toContain(`http://127.0.0.1:${controlPort}`);
    expect(first.output()).toContain(`console        http://127.0.0.1:${controlPort}/console`);
    expect((await fetch(`http://127.0.0.1:${controlPort}/console/sign-in`)).status).toBe(200);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'master.key')).mode & 0o777).toBe(0o600);
    const token = readFileSync(tokenFile, 'utf8').trim();
    expect((await fetch(`http://127.0.0.1:${controlPort}/readyz`)).status).toBe(200);

    // a second `up` on the same home refuses at once, naming the running one, and changes nothing
    const another = spawnSync(process.execPath, [BIN, 'up'], { env, encoding: 'utf8', timeout: 30_000 });
    expect(another.status).toBe(3);
    expect(another.stderr).toContain(`already running for ${home} (pid ${first.child.pid}, control plane on port ${controlPort}, data plane on port ${dataPort}`);
    expect(existsSync(join(home, 'postgres', 'postmaster.pid'))).toBe(true);
    expect((await fetch(`http://127.0.0.1:${controlPort}/readyz`)).status).toBe(200);

    // the CLI talks to it with --api
    const apiEnv = { ...env, KRYONIX_OPERATOR_TOKEN: token, KRYONIX_API_URL: `http://127.0.0.1:${controlPort}` };
    const created = spawnSync(process.execPath, [BIN, 'tenant', 'create', 'up-one', 'Up One', '--modules', 'crm', '--json'], { env: apiEnv, encoding: 'utf8' });
    expect(created.stderr).toBe('');
    const tenant = JSON.parse(created.stdout);
    expect(tenant).toMatchObject({ id: 'up-one', database: 'kryonix_cliente_up_one', url: `https://up-one.localhost:${dataPort}` });
    // the data plane serves it over HTTPS with its own leaf from the local CA, which `up` names:
    // verified as up-one.localhost (no wildcard under a single-label domain, which clients refuse)
    const caFile = join(home, 'tls', 'ca.crt');
    expect(first.output()).toContain(`local CA       ${caFile} (made now: there was none)`);
    expect(first.output()).toContain(`curl --cacert ${caFile} https://<tenant>.localhost:${dataPort}/`);
    expect(statSync(join(home, 'tls', 'ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'tls')).mode & 0o777).toBe(0o700);
    const ca = readFileSync(caFile, 'utf8');
    const served = await httpsRequest({ port: dataPort, host: 'up-one.localhost', path: '/api/crm/leads', headers: { authorization: `Bearer ${tenant.apiKey}` }, ca });
    expect(served).toMatchObject({ status: 200, body: { items: [] } });
    // the data plane's environment names no file of the CA's key, only the leaf folder
    const dataPlaneEnv = processEnvironment(first.child.pid!, 'data-plane.js');
    expect(dataPlaneEnv.KRYONIX_TLS_DIR).toBe(join(home, 'tls', 'leaves'));
    expect(Object.values(dataPlaneEnv).filter((v) => v.includes('ca.key') || v.endsWith(join('tls', 'ca.crt')))).toEqual([]);
    // the data plane's metrics: where `up` says, not on the tenant port
    expect(first.output()).toContain(`metrics        http://127.0.0.1:${metricsPort}/metrics (data plane)`);
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('kryonix_data_requests_total{tenant="up-one",module="crm",status="200"} 1');
    expect((await httpsRequest({ port: dataPort, host: 'up-one.localhost', path: '/metrics', ca })).status).toBe(404);
    // curl as the README says (it resolves *.localhost to loopback by itself)
    const curl = spawnSync('curl', ['-sS', '--cacert', caFile, '-H', `Authorization: Bearer ${tenant.apiKey}`, `https://up-one.localhost:${dataPort}/api/crm/leads`], { encoding: 'utf8' });
    if (curl.error === undefined) expect({ status: curl.status, stderr: curl.stderr, body: JSON.parse(curl.stdout || 'null') }).toMatchObject({ status: 0, stderr: '', body: { items: [] } });
    const suspended = spawnSync(process.execPath, [BIN, 'tenant', 'suspend', 'up-one', '--json'], { env: apiEnv, encoding: 'utf8' });
    expect(JSON.parse(suspended.stdout)).toEqual({ id: 'up-one', status: 'suspended' });
    const again = spawnSync(process.execPath, [BIN, 'tenant', 'create', 'up-one', 'Up One', '--modules', 'crm'], { env: apiEnv, encoding: 'utf8' });
    expect(again.status).toBe(3);
    // --api without a token: the operator-token file of this KRYONIX_HOME is used
    const noToken = spawnSync(process.execPath, [BIN, '--api', `http://127.0.0.1:${controlPort}`, 'tenant', 'list', '--json'], { env, encoding: 'utf8' });
    expect(noToken.stderr).toBe('');
    expect(JSON.parse(noToken.stdout).map((t: { id: string }) => t.id)).toEqual(['up-one']);
    const wrongToken = spawnSync(process.execPath, [BIN, 'tenant', 'list'], { env: { ...apiEnv, KRYONIX_OPERATOR_TOKEN: 'not-the-token-at-all' }, encoding: 'utf8' });
    expect(wrongToken.status).toBe(1);
    expect(wrongToken.stderr).toMatch(/operator token/);

    expect(await stop(first.child)).toBe(0);
    expect(first.output()).toContain('data kept');
    expect(existsSync(join(home, 'postgres', 'postmaster.pid'))).toBe(false);
    await expect(fetch(`http://127.0.0.1:${controlPort}/healthz`)).rejects.toThrow();
    expect(existsSync(join(home, 'run', 'up.json'))).toBe(false); // its claim on the home is released

    // next start: same data; a tenant without its leaf (here: removed) gets it before the data plane starts
    const leaf = join(home, 'tls', 'leaves', 'up-one.pem');
    expect(statSync(leaf).mode & 0o777).toBe(0o600);
    rmSync(leaf);
    const second = await up();
    running.push(second.child);
    expect(second.output()).not.toContain('(made now:'); // the same CA
    const show = await fetch(`http://127.0.0.1:${controlPort}/v1/tenants/up-one`, { headers: { authorization: `Bearer ${token}` } });
    expect(await show.json()).toMatchObject({ id: 'up-one', status: 'suspended' });
    expect((await httpsRequest({ port: dataPort, host: 'up-one.localhost', path: '/api/crm/leads', headers: { authorization: `Bearer ${tenant.apiKey}` }, ca })).status).toBe(403);
    expect(await stop(second.child)).toBe(0);
  });

  it('the in-process CLI uses the same embedded server, starting it on demand', () => {
    const list = spawnSync(process.execPath, [BIN, 'tenant', 'list', '--json'], { env, encoding: 'utf8' });
    expect(list.stderr).toBe('');
    expect(JSON.parse(list.stdout).map((t: { id: string }) => t.id)).toEqual(['up-one']);
    const resumed = spawnSync(process.execPath, [BIN, 'tenant', 'resume', 'up-one'], { env, encoding: 'utf8' });
    expect(resumed.stdout).toContain('is active');
    const noYes = spawnSync(process.execPath, [BIN, 'tenant', 'delete', 'up-one', '--purge'], { env, encoding: 'utf8' });
    expect(noYes.status).toBe(2);
    expect(noYes.stderr).toContain('--yes');
    const leaf = join(home, 'tls', 'leaves', 'up-one.pem');
    expect(existsSync(leaf)).toBe(true);
    const purged = spawnSync(process.execPath, [BIN, 'tenant', 'delete', 'up-one', '--purge', '--yes', '--json'], { env, encoding: 'utf8' });
    expect(JSON.parse(purged.stdout)).toEqual({ id: 'up-one', status: 'purged' });
    expect(existsSync(leaf)).toBe(false); // its leaf certificate went with it
  });

  it('an agent whose embedded PostgreSQL was stopped under it (Ctrl-C on up, a crash): the next command starts the server again and goes through the same agent', async () => {
    const agentEnv = { ...env, KRYONIX_AGENT: 'auto', KRYONIX_AGENT_IDLE: '2m' };
    expect(spawnSync(process.execPath, [BIN, 'tenant', 'list', '--json'], { env: agentEnv, encoding: 'utf8' }).status).toBe(0);
    const run = join(home, 'run');
    const agentPid = async () => {
      for (let i = 0; i < 200; i++) {
        const file = readdirSync(run).find((f) => f.endsWith('.sock.pid'));
        if (file && existsSync(join(run, file.replace(/\.pid$/, '')))) return Number(readFileSync(join(run, file), 'utf8'));
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('no agent');
    };
    const pid = await agentPid();
    await stopEmbeddedPostgres(home); // what Ctrl-C on `up` does, the agent left running
    expect(existsSync(join(home, 'postgres', 'postmaster.pid'))).toBe(false);
    const list = spawnSync(process.execPath, [BIN, 'tenant', 'list', '--json'], { env: agentEnv, encoding: 'utf8' });
    expect(list.stderr).toBe('');
    expect(list.status).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([]);
    expect(existsSync(join(home, 'postgres', 'postmaster.pid'))).toBe(true);
    expect(await agentPid()).toBe(pid); // the same agent served it
    expect(spawnSync(process.execPath, [BIN, 'agent', 'stop'], { env: agentEnv }).status).toBe(0);
  });
});
