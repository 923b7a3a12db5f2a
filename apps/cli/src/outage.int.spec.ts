import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ensureEmbeddedPostgres, projectPath, stopEmbeddedPostgres } from '@kryonix/platform';
import { TestRedis, freePort, startRedis } from '@kryonix/testing';

const BIN = projectPath('bin', 'kryonix.js');

/** Child processes of `pid` (whose command line contains `matching`), read from /proc: no procps needed. */
function childrenOf(pid: number, matching?: string): number[] {
  const children: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== pid) continue;
      if (matching && !readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(matching)) continue;
      children.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}
const ACQUIRE_TIMEOUT_MS = 1_000;

interface Sample {
  /** ms since the load started, when the request was sent */
  at: number;
  /** how long its answer took */
  ms?: number;
  status: number;
  retryAfter?: string;
  code?: string;
}

/**
 * Faults of the servers Kryonix stands on, under a bounded load, against `kryonix up` on a
 * PostgreSQL and a Redis of this file's own (the other test files' server is never touched):
 * a PostgreSQL restart, its backends terminated, the server silent (SIGSTOP), Redis killed.
 * Each time: no Kryonix process dies (the same pids serve before and after, and `up` never
 * reports an exit), the only failures are 503s with Retry-After, and serving is back within 2 s.
 */
/** Signals every process, skipping one that has gone meanwhile (a backend ending): the others must not stay stopped. */
function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}

describe('outages under load (kryonix up on its own PostgreSQL and Redis)', () => {
  const home = mkdtempSync(join(tmpdir(), 'kryonix-outage-'));
  chmodSync(home, 0o755);
  let redis: TestRedis;
  let up: ChildProcess;
  let output = '';
  let pgPort: number;
  let controlPort: number;
  let dataPort: number;
  let token: string;
  let ca: Buffer;
  const keys: Record<string, string> = {};
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });

  beforeAll(async () => {
    redis = await startRedis();
    [pgPort, controlPort, dataPort] = [await freePort(), await freePort(), await freePort()];
    const env: Record<string, string | undefined> = {
      ...process.env,
      KRYONIX_HOME: home,
      KRYONIX_EMBEDDED_PORT: String(pgPort),
      KRYONIX_CONTROL_PORT: String(controlPort),
      KRYONIX_DATA_PORT: String(dataPort),
      KRYONIX_DATA_METRICS_PORT: '0',
      REDIS_URL: redis.url,
      KRYONIX_RATE_LIMIT: '1000000',
      KRYONIX_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_TIMEOUT_MS),
      KRYONIX_LOG_LEVEL: 'warn',
      KRYONIX_AGENT: 'off',
      KRYONIX_METRICS_INTERVAL_MS: '500',
      KRYONIX_JOB_POLL_MS: '100',
    };
    delete env.KRYONIX_DATABASE_URL;
    delete env.KRYONIX_OPERATOR_TOKEN;
    up = spawn(process.execPath, [BIN, 'up'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    up.stdout!.on('data', (d) => (output += d));
    up.stderr!.on('data', (d) => (output += d));
    const deadline = Date.now() + 90_000;
    while (!output.includes('Press Ctrl-C to stop.')) {
      if (up.exitCode !== null || Date.now() > deadline) throw new Error(`kryonix up did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    token = readFileSync(join(home, 'operator-token'), 'utf8').trim();
    ca = readFileSync(join(home, 'tls', 'ca.crt')); // the local CA `up` made: each tenant has its own leaf
    for (const [id, mode] of [
      ['out-schema', 'schema'],
      ['out-db', 'database'],
      ['out-fresh', 'database'],
    ] as const) {
      const res = await fetch(`http://127.0.0.1:${controlPort}/v1/tenants`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id, name: id, modules: ['crm'], mode }),
      });
      expect(res.status).toBe(201);
      keys[id] = ((await res.json()) as { apiKey: string }).apiKey;
    }
  });

  afterAll(async () => {
    agent.destroy();
    if (up && up.exitCode === null) {
      up.kill('SIGINT');
      await new Promise((r) => up.once('exit', r));
    }
    await stopEmbeddedPostgres(home).catch(() => undefined);
    await redis?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  /** The pids of what `up` runs (control plane, data plane). */
  const serverPids = () => childrenOf(up.pid!).map(String).sort();

  function get(tenant: string, path = '/api/crm/leads'): Promise<Sample & { ms: number }> {
    const sent = Date.now();
    return new Promise((resolve) => {
      const req = request(
        { host: '127.0.0.1', port: dataPort, path, servername: tenant === 'localhost' ? 'localhost' : `${tenant}.localhost`, ca, agent, headers: { host: `${tenant}.localhost`, authorization: `Bearer ${keys[tenant] ?? 'none'}` }, timeout: 40_000 },
        (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => {
            let code: string | undefined;
            try {
              code = (JSON.parse(body) as { error?: { code?: string } }).error?.code;
            } catch {
              code = undefined;
            }
            resolve({ at: sent, ms: Date.now() - sent, status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, code });
          });
        },
      );
      // a connection refused or reset by the data plane is a failure of the data plane: status 0
      req.on('error', () => resolve({ at: sent, ms: Date.now() - sent, status: 0 }));
      req.on('timeout', () => req.destroy());
      req.end();
    });
  }

  /** Four clients in a loop on the schema-mode and the database-mode tenant while `fault` runs, then `tailMs` more. */
  async function underLoad(fault: () => Promise<void>, tailMs: number): Promise<{ samples: Sample[]; start: number; faultEnded: number }> {
    const samples: Sample[] = [];
    const start = Date.now();
    let stop = false;
    const workers = [0, 1, 2, 3].map(async (w) => {
      for (let i = 0; !stop; i++) {
        const s = await get((w + i) % 2 ? 'out-schema' : 'out-db');
        samples.push({ ...s, at: s.at - start });
        if (s.status !== 200) await new Promise((r) => setTimeout(r, 20)); // a client that backs off a little
      }
    });
    await new Promise((r) => setTimeout(r, 1_000));
    await fault();
    const faultEnded = Date.now() - start;
    await new Promise((r) => setTimeout(r, tailMs));
    stop = true;
    await Promise.all(workers);
    return { samples, start, faultEnded };
  }

  function expectOnly200And503(samples: Sample[]): void {
    const others = samples.filter((s) => s.status !== 200 && s.status !== 503);
    expect(others).toEqual([]);
    for (const s of samples.filter((x) => x.status === 503)) {
      expect(s.retryAfter).toBe('1');
      expect(['UNAVAILABLE', 'LOCK_TIMEOUT']).toContain(s.code);
    }
  }

  /** Every request sent from 2 s after the fault ended was served, and there were some. */
  function expectServedWithin2s(samples: Sample[], faultEnded: number): void {
    const late = samples.filter((s) => s.at >= faultEnded + 2_000);
    expect(late.length).toBeGreaterThan(10);
    expect(late.filter((s) => s.status !== 200)).toEqual([]);
  }

  const readyz = async (url: string) => (await fetch(url)).status;

  it('a PostgreSQL restart (pg_ctl stop -m fast, 2 s down): only 503s during it, 200s within 2 s after, no process died', async () => {
    const pids = serverPids();
    let readyDuring: number[] = [];
    const { samples, faultEnded } = await underLoad(async () => {
      await stopEmbeddedPostgres(home);
      await new Promise((r) => setTimeout(r, 500));
      readyDuring = [await readyz(`http://127.0.0.1:${controlPort}/readyz`), (await get('localhost', '/readyz')).status];
      await new Promise((r) => setTimeout(r, 1_500));
      await ensureEmbeddedPostgres(home, pgPort);
    }, 4_000);
    expectOnly200And503(samples);
    const refused = samples.filter((s) => s.status === 503);
    expect(refused.length).toBeGreaterThan(0); // the outage was seen
    // connections refused: each 503 within 1 s, not after a timeout
    expect(Math.max(...refused.map((s) => s.ms ?? Infinity))).toBeLessThan(1_000);
    // the control plane is not ready; the data plane stays ready, serving the tenants it knows from their last routes (their server is down too here: 503s)
    expect(readyDuring).toEqual([503, 200]);
    expectServedWithin2s(samples, faultEnded);
    expect(serverPids()).toEqual(pids);
    expect(output).not.toMatch(/exited/);
    expect(await readyz(`http://127.0.0.1:${controlPort}/readyz`)).toBe(200);
    // the control plane's workers carried on: the metrics are refreshed again, and a durable job runs
    const back = Date.now() / 1000;
    await new Promise((r) => setTimeout(r, 1_200));
    const metrics = await (await fetch(`http://127.0.0.1:${controlPort}/metrics`)).text();
    const refreshed = Number(/^kryonix_tenant_metrics_refreshed_timestamp_seconds (\S+)$/m.exec(metrics)?.[1]);
    expect(refreshed).toBeGreaterThan(back);
    const auth = { authorization: `Bearer ${token}` };
    const submitted = await fetch(`http://127.0.0.1:${controlPort}/v1/tenants`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', prefer: 'respond-async' },
      body: JSON.stringify({ id: 'out-after', name: 'After', modules: ['crm'], mode: 'schema' }),
    });
    expect(submitted.status).toBe(202);
    const { id: jobId } = (await submitted.json()) as { id: string };
    let job: { status: string } = { status: 'queued' };
    const deadline = Date.now() + 20_000;
    while (job.status !== 'succeeded' && job.status !== 'failed' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      job = (await (await fetch(`http://127.0.0.1:${controlPort}/v1/jobs/${jobId}`, { headers: auth })).json()) as { status: string };
    }
    expect(job.status).toBe('succeeded');
  });

  it("the data plane's backends terminated three times (pg_terminate_backend): only 503s, served again at once, no process died", async () => {
    const pids = serverPids();
    const url = JSON.parse(readFileSync(join(home, 'postgres.json'), 'utf8')) as { user: string; password: string; port: number };
    const admin = new Client({ host: '127.0.0.1', port: url.port, user: url.user, password: url.password, database: 'postgres' });
    await admin.connect();
    let terminated = 0;
    try {
      const { samples, faultEnded } = await underLoad(async () => {
        for (let i = 0; i < 3; i++) {
          const { rows } = await admin.query(`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'kryonix-data-plane'`);
          terminated += rows[0].n;
          await new Promise((r) => setTimeout(r, 500));
        }
      }, 3_000);
      expect(terminated).toBeGreaterThan(0);
      expectOnly200And503(samples);
      expectServedWithin2s(samples, faultEnded);
    } finally {
      await admin.end();
    }
    expect(serverPids()).toEqual(pids);
    expect(output).not.toMatch(/exited/);
  });

  it('a silent PostgreSQL (SIGSTOP for 3 s): a new connection or a registry read gives 503 within the acquire timeout (the data plane stays ready); served again after', async () => {
    const pids = serverPids();
    const postmaster = readFileSync(join(home, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]!.trim();
    const all = [Number(postmaster), ...childrenOf(Number(postmaster))];
    signalAll(all, 'SIGSTOP');
    let fresh: Sample & { ms: number };
    let ready: Sample & { ms: number };
    try {
      // a tenant never served yet: its route is read from the registry, its pool is opened
      [fresh, ready] = await Promise.all([get('out-fresh'), get('localhost', '/readyz')]);
    } finally {
      signalAll(all, 'SIGCONT');
    }
    expect(fresh).toMatchObject({ status: 503, retryAfter: '1', code: 'UNAVAILABLE' });
    expect(fresh.ms).toBeLessThan(ACQUIRE_TIMEOUT_MS + 1_500);
    expect(ready.status).toBe(200); // the registry does not answer, but the data plane serves its known tenants from their last routes
    expect(ready.ms).toBeLessThan(ACQUIRE_TIMEOUT_MS + 1_500);
    const deadline = Date.now() + 2_000;
    let after = await get('out-fresh');
    while (after.status !== 200 && Date.now() < deadline) after = await get('out-fresh');
    expect(after.status).toBe(200);
    expect(serverPids()).toEqual(pids);
  });

  it('Redis killed and started again under load: every request served, no crash, one warning for the outage and one line when it is back', async () => {
    const pids = serverPids();
    const { samples } = await underLoad(async () => {
      await redis.stop();
      await new Promise((r) => setTimeout(r, 2_000));
      redis = await startRedis(redis.port);
    }, 3_000);
    expect(samples.filter((s) => s.status !== 200)).toEqual([]);
    expect(serverPids()).toEqual(pids);
    const dataLog = readFileSync(join(home, 'logs', 'data-plane.log'), 'utf8');
    expect(dataLog.match(/Redis \(route events\) unavailable/g)).toHaveLength(1);
    expect(dataLog.match(/Redis \(route events\) available again/g)).toHaveLength(1);
    const controlLog = readFileSync(join(home, 'logs', 'control-plane.log'), 'utf8');
    expect((controlLog.match(/Redis \(tenant events\) unavailable/g) ?? []).length).toBeLessThanOrEqual(1);
    for (const text of [output, dataLog, controlLog]) expect(text).not.toMatch(/Unhandled error event/);
    // the servers' warnings reach up's terminal too, once each, named by server
    expect(output.match(/\[data plane\] .*Redis \(route events\) unavailable/g)).toHaveLength(1);
    expect(output).toMatch(/\[data plane\] .*Redis \(route events\) available again/);
  });

  it('a server that dies anyway (kill -9 of the data plane) is started again by up with a line saying so; the control plane keeps serving', async () => {
    const dataPlane = childrenOf(up.pid!, 'data-plane.js')[0]!;
    const control = childrenOf(up.pid!, 'control-plane.js')[0]!;
    process.kill(dataPlane, 'SIGKILL');
    const deadline = Date.now() + 20_000;
    let served = 0;
    while (Date.now() < deadline) {
      if (output.includes('the data plane was started again') && (await get('out-schema')).status === 200) {
        served = 200;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(output).toMatch(/the data plane exited \(signal SIGKILL\); starting it again in 1 s/);
    expect(served).toBe(200);
    expect(await readyz(`http://127.0.0.1:${controlPort}/readyz`)).toBe(200);
    expect(childrenOf(up.pid!, 'control-plane.js')).toEqual([control]);
    expect(up.exitCode).toBeNull();
  });
});
