import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createTestEnv, TestEnv, spawnControlPlane as startControlPlaneProcess, withAdmin } from '@kryonix/testing';
import { ControlPlaneServer, startControlPlane } from './server';

const TOKEN = 'jobs-operator-token-0123456789';
let env: TestEnv;

beforeAll(async () => {
  env = await createTestEnv('jobs');
});
afterAll(() => env.cleanup());

async function post(url: string, body: unknown) {
  const res = await fetch(`${url}/v1/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', prefer: 'respond-async' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(202);
  return (await res.json()) as { id: string };
}

async function waitJob(url: string, id: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = (await (await fetch(`${url}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as any;
    if (job.status === 'succeeded' || job.status === 'failed') return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The control plane as its own process, so it can be killed with -9. */
const spawnControlPlane = (extra: Record<string, string>) => startControlPlaneProcess({ ...env.env, KRYONIX_OPERATOR_TOKEN: TOKEN, ...extra });

describe('durable jobs', () => {
  it('a control plane killed (-9) during a provisioning job: the restarted one finishes the job', async () => {
    const first = await spawnControlPlane({ KRYONIX_FAILPOINTS: 'write_files=hang', KRYONIX_JOB_POLL_MS: '50' });
    const job = await post(first.url, { id: 'job-crash', name: 'Crash', modules: ['crm', 'financeiro'] });
    const deadline = Date.now() + 30_000;
    while (!existsSync(join(env.config.outputDir, 'job-crash', 'sdk.env'))) {
      if (Date.now() > deadline) throw new Error('the job never reached write_files');
      await new Promise((r) => setTimeout(r, 20));
    }
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const second = await spawnControlPlane({ KRYONIX_JOB_POLL_MS: '50', KRYONIX_JOB_STALE_MS: '1000', KRYONIX_JOB_HEARTBEAT_MS: '200' });
    try {
      const done = await waitJob(second.url, job.id);
      expect(done).toMatchObject({ status: 'succeeded', attempts: 2, result: { id: 'job-crash', database: 'kryonix_cliente_job_crash' } });
      expect(done.result.apiKey).toMatch(/^sk_job-crash_[0-9a-f]{32}$/);
      const tenant: any = await (await fetch(`${second.url}/v1/tenants/job-crash`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
      expect(tenant.status).toBe('active');
      expect(tenant.apiKeys.filter((k: { revokedAt: string | null }) => !k.revokedAt)).toHaveLength(1);
    } finally {
      second.child.kill('SIGTERM');
      await new Promise((r) => second.child.once('exit', r));
    }
  });

  it('a failing job is retried with backoff and succeeds once the cause is gone', async () => {
    const failing = await startControlPlane({ env: { ...env.env, KRYONIX_OPERATOR_TOKEN: TOKEN, KRYONIX_LOG_LEVEL: 'silent', KRYONIX_JOB_POLL_MS: '20', KRYONIX_FAILPOINTS: 'grant_access=fail' }, port: 0 });
    let jobId: string;
    try {
      jobId = (await post(failing.url, { id: 'job-retry', name: 'Retry', modules: ['crm'], mode: 'schema' })).id;
      const deadline = Date.now() + 10_000;
      let row: any;
      do {
        await new Promise((r) => setTimeout(r, 50));
        row = await withAdmin(async (c) => (await c.query(`SELECT status, attempts, error, run_after > now() AS later FROM tenant_management.jobs WHERE id = $1`, [jobId])).rows[0], env.config.registryDatabase);
      } while (row.error === null && Date.now() < deadline);
      expect(row).toMatchObject({ status: 'queued', attempts: 1, later: true }); // backoff: due again later, not at once
      expect(row.error).toContain('grant_access');
      expect((await withAdmin(async (c) => (await c.query(`SELECT count(*)::int AS n FROM tenant_management.clientes WHERE id = 'job-retry'`)).rows[0].n, env.config.registryDatabase))).toBe(0); // rolled back
    } finally {
      await failing.close();
    }
    const healthy = await startControlPlane({ env: { ...env.env, KRYONIX_OPERATOR_TOKEN: TOKEN, KRYONIX_LOG_LEVEL: 'silent', KRYONIX_JOB_POLL_MS: '20' }, port: 0 });
    try {
      expect(await waitJob(healthy.url, jobId!)).toMatchObject({ status: 'succeeded', attempts: 2 });
    } finally {
      await healthy.close();
    }
  });

  it('a job cut short by a connection error (its backends terminated mid-create) is retried without using up an attempt; the worker carries on', async () => {
    // write_files=pause: the create waits 3 s after writing its files, holding its registry connection (the tenant lock)
    const server = await startControlPlane({ env: { ...env.env, KRYONIX_OPERATOR_TOKEN: TOKEN, KRYONIX_LOG_LEVEL: 'silent', KRYONIX_JOB_POLL_MS: '20', KRYONIX_FAILPOINTS: 'write_files=pause' }, port: 0 });
    try {
      const jobId = (await post(server.url, { id: 'job-outage', name: 'Outage', modules: ['crm'], mode: 'schema' })).id;
      const logged = async (step: string) =>
        withAdmin(async (c) => (await c.query(`SELECT count(*)::int AS n FROM tenant_management.logs_auto_creation WHERE cliente_id = 'job-outage' AND acao = $1 AND status = 'sucesso'`, [step])).rows[0].n, env.config.registryDatabase);
      const deadline = Date.now() + 20_000;
      // the step before write_files is done: write_files runs, then pauses
      while ((await logged('issue_api_key')) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 500));
      // every connection of this control plane goes (as a server restart does to them)
      const killed = await withAdmin(async (c) => (await c.query(`SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'kryonix' AND pid <> pg_backend_pid()) t`, [env.config.registryDatabase])).rows[0].n);
      expect(killed).toBeGreaterThan(0);
      const job = await waitJob(server.url, jobId, 60_000);
      // it ran twice: the cut-short attempt was given back
      expect(job).toMatchObject({ status: 'succeeded', attempts: 1 });
      const tenant = await (await fetch(`${server.url}/v1/tenants/job-outage`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
      expect(tenant).toMatchObject({ id: 'job-outage', status: 'active' });
      // the first attempt stopped (its connection was gone); a second one resumed the create and activated it
      expect(await logged('activate')).toBe(1);
      const runs = await withAdmin(async (c) => (await c.query(`SELECT count(DISTINCT run_id)::int AS n FROM tenant_management.logs_auto_creation WHERE cliente_id = 'job-outage'`)).rows[0].n, env.config.registryDatabase);
      expect(runs).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('with KRYONIX_METRICS_TOKEN, /metrics wants that bearer token', async () => {
    const server = await startControlPlane({ env: { ...env.env, KRYONIX_OPERATOR_TOKEN: TOKEN, KRYONIX_LOG_LEVEL: 'silent', KRYONIX_JOB_POLL_MS: '0', KRYONIX_METRICS_TOKEN: 'scrape-secret-0123456789' }, port: 0 });
    try {
      expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      const ok = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer scrape-secret-0123456789' } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('kryonix_tenants');
    } finally {
      await server.close();
    }
  });

  it('two control planes on one registry run each job exactly once', async () => {
    const servers: ControlPlaneServer[] = [];
    for (let i = 0; i < 2; i++) {
      servers.push(await startControlPlane({ env: { ...env.env, KRYONIX_OPERATOR_TOKEN: TOKEN, KRYONIX_LOG_LEVEL: 'silent', KRYONIX_JOB_POLL_MS: '20', KRYONIX_WORKER_INTERVAL_MS: '0' }, port: 0 }));
    }
    try {
      const ids = Array.from({ length: 12 }, (_, i) => `job-two-${i}`);
      const jobs = await Promise.all(ids.map((id, i) => post(servers[i % 2]!.url, { id, name: id, modules: ['crm'], mode: i % 3 ? 'schema' : 'database' })));
      const done = await Promise.all(jobs.map((j) => waitJob(servers[0]!.url, j.id)));
      expect(done.map((j) => `${j.status}/${j.attempts}`)).toEqual(ids.map(() => 'succeeded/1'));
      const starts = await withAdmin(
        async (c) => (await c.query(`SELECT cliente_id, count(*)::int AS n FROM tenant_management.logs_auto_creation WHERE acao = 'inicio_processo' AND cliente_id LIKE 'job-two-%' GROUP BY 1`)).rows,
        env.config.registryDatabase,
      );
      expect(starts).toHaveLength(12);
      expect(starts.every((r) => r.n === 1)).toBe(true);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });
});
