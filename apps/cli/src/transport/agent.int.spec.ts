import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { projectPath } from '@kryonix/platform';
import { TestEnv, createTestEnv, withAdmin } from '@kryonix/testing';

/** The CLI's local agent, end to end through the built CLI (bin/kryonix.js). */
const BIN = projectPath('bin', 'kryonix.js');
let env: TestEnv;
const AGENT = { KRYONIX_AGENT: 'auto', KRYONIX_AGENT_IDLE: '2m' };

beforeAll(async () => {
  env = await createTestEnv('agent');
});
afterAll(async () => {
  kryonix(['agent', 'stop']);
  await env.cleanup();
});

function kryonix(args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env.env, ...AGENT, ...extra }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const run = () => join(env.home, 'run');
const pidFiles = () => (existsSync(run()) ? readdirSync(run()).filter((f) => f.endsWith('.sock.pid')) : []);
/** Whether something answers on a socket (a pid file is written at spawn, the socket once the agent listens). */
const answers = (socket: string) =>
  new Promise<boolean>((resolve) => {
    const c = connect(socket);
    c.once('connect', () => (c.destroy(), resolve(true)));
    c.once('error', () => resolve(false));
  });
async function listening(): Promise<number> {
  let n = 0;
  for (const f of pidFiles()) if (await answers(join(run(), f.replace(/\.pid$/, '')))) n++;
  return n;
}

async function agentUp(count = 1): Promise<number[]> {
  for (let i = 0; i < 300 && (await listening()) < count; i++) await new Promise((r) => setTimeout(r, 100));
  const pids = pidFiles().map((f) => Number(readFileSync(join(run(), f), 'utf8')));
  expect(pids).toHaveLength(count);
  return pids;
}

/** How each create reached the core: `tenant create` in a CLI process, `POST /v1/tenants` through the agent. */
const audited = (target: string) =>
  withAdmin(async (c) => (await c.query('SELECT actor, action, door, outcome FROM tenant_management.audit_log WHERE target = $1 ORDER BY id', [target])).rows, env.config.registryDatabase);
const me = `cli:${userInfo().username}`;

describe('the local agent', () => {
  it('the first command runs in its own process and leaves an agent; the next ones go through it, with the same output', async () => {
    const first = kryonix(['tenant', 'create', 'ag-one', 'Agent One', '--modules', 'crm,whatsapp', '--json']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(await audited('ag-one')).toEqual([{ actor: me, action: 'tenant.create', door: 'cli', outcome: 'success' }]);
    await agentUp();

    const second = kryonix(['tenant', 'create', 'ag-two', 'Agent Two', '--modules', 'crm,whatsapp,agendamento,financeiro', '--mode', 'schema']);
    expect(second.code).toBe(0);
    // steps stream while they run, then the summary with the key shown once
    expect(second.stdout).toMatch(/Creating tenant ag-two \(schema mode\)\n {2}✔ register/);
    expect(second.stdout).toMatch(/✔ create_schemas/);
    expect(second.stdout).toMatch(/API key {3}sk_ag-two_[0-9a-f]{32}/);
    expect(await audited('ag-two')).toEqual([{ actor: me, action: 'tenant.create', door: 'agent', outcome: 'success' }]);

    const json = JSON.parse(kryonix(['tenant', 'create', 'ag-three', 'Agent Three', '--modules', 'crm', '--json']).stdout);
    expect(Object.keys(json).sort()).toEqual(Object.keys(JSON.parse(first.stdout)).sort());
    expect(json).toMatchObject({ id: 'ag-three', database: 'kryonix_cliente_ag_three', url: 'https://ag-three.kryonix.test:8443' });

    const list = JSON.parse(kryonix(['tenant', 'list', '--json']).stdout) as Array<{ id: string }>;
    expect(list.map((t) => t.id).sort()).toEqual(['ag-one', 'ag-three', 'ag-two']);
    expect(kryonix(['tenant', 'show', 'ag-two']).stdout).toContain('ag-two_crm'.replace('-', '_'));
  });

  it('errors through the agent keep their sentences and exit codes', () => {
    const exists = kryonix(['tenant', 'create', 'ag-two', 'Again', '--modules', 'crm']);
    expect(exists.code).toBe(3);
    expect(exists.stderr).toMatch(/ag-two.*exists/i);
    const invalid = kryonix(['tenant', 'create', 'Bad;Id', 'x', '--modules', 'crm']);
    expect(invalid.code).toBe(2);
    const unknown = kryonix(['tenant', 'create', 'ag-four', 'x', '--modules', 'estoque']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/crm/);
    expect(kryonix(['tenant', 'show', 'nobody-here']).code).toBe(1);
  });

  it('repair goes through the agent too', async () => {
    const r = kryonix(['tenant', 'repair', 'ag-one', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: 'ag-one' });
    expect((await audited('ag-one')).at(-1)).toEqual({ actor: me, action: 'tenant.repair', door: 'agent', outcome: 'success' });
  });

  it('other settings never reach this agent; agents can be turned off', async () => {
    const other = JSON.parse(kryonix(['tenant', 'create', 'ag-other', 'Other', '--modules', 'crm', '--json'], { KRYONIX_BASE_DOMAIN: 'other.test' }).stdout);
    expect(other.url).toBe('https://ag-other.other.test:8443');
    expect(await audited('ag-other')).toEqual([{ actor: me, action: 'tenant.create', door: 'cli', outcome: 'success' }]);
    await agentUp(2); // that configuration now has an agent of its own
    expect(kryonix(['tenant', 'create', 'ag-off', 'Off', '--modules', 'crm'], { KRYONIX_AGENT: 'off' }).code).toBe(0);
    expect(await audited('ag-off')).toEqual([{ actor: me, action: 'tenant.create', door: 'cli', outcome: 'success' }]);
  });

  it('an agent killed with -9 leaves a stale socket: the next command runs here and a new agent takes over', async () => {
    const status = kryonix(['agent', 'status']).stdout;
    expect(status).toContain('(this configuration)');
    const mine = /agent pid (\d+) .*\(this configuration\)/.exec(status)![1];
    process.kill(Number(mine), 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    const r = kryonix(['tenant', 'create', 'ag-after', 'After', '--modules', 'crm', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await audited('ag-after')).toEqual([{ actor: me, action: 'tenant.create', door: 'cli', outcome: 'success' }]);
    const pidOf = () => /agent pid (\d+) .*\(this configuration\)/.exec(kryonix(['agent', 'status']).stdout)?.[1];
    for (let i = 0; i < 100 && (pidOf() === mine || pidOf() === undefined); i++) await new Promise((r) => setTimeout(r, 200));
    expect(pidOf()).not.toBe(mine);
    await agentUp(2); // the new one answers (and the other configuration's)
    expect(kryonix(['tenant', 'suspend', 'ag-after']).code).toBe(0);
    expect((await audited('ag-after')).at(-1)).toEqual({ actor: me, action: 'tenant.suspend', door: 'agent', outcome: 'success' });
  });

  it('kryonix agent stop stops them all', () => {
    const r = kryonix(['agent', 'stop']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Stopped 2 agents/);
    expect(pidFiles()).toEqual([]);
    expect(kryonix(['agent', 'stop']).stdout).toContain('No agent was running');
  });
});

describe('the local agent, when things change under it', () => {
  it('a replaced operator token: the agent refuses, is stopped, the command runs here, and a new agent takes the new token', async () => {
    expect(kryonix(['tenant', 'create', 'ag-t1', 'T1', '--modules', 'crm', '--json']).code).toBe(0);
    const [old] = await agentUp();
    writeFileSync(join(env.home, 'operator-token'), 'a-new-operator-token-0123456789\n', { mode: 0o600 });
    const r = kryonix(['tenant', 'create', 'ag-t2', 'T2', '--modules', 'crm', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await audited('ag-t2')).toEqual([{ actor: me, action: 'tenant.create', door: 'cli', outcome: 'success' }]);
    for (let i = 0; i < 100 && pidFiles().length && Number(readFileSync(join(run(), pidFiles()[0]!), 'utf8')) === old; i++) await new Promise((r) => setTimeout(r, 100));
    await agentUp();
    expect(kryonix(['tenant', 'create', 'ag-t3', 'T3', '--modules', 'crm', '--json']).code).toBe(0);
    expect(await audited('ag-t3')).toEqual([{ actor: me, action: 'tenant.create', door: 'agent', outcome: 'success' }]);
  });

  it('a changed SQL modules folder is another configuration: the agent that loaded the old one is not used', async () => {
    const modules = mkdtempSync(join(tmpdir(), 'kx-agent-modules-'));
    try {
      cpSync(projectPath('sql', 'modules'), modules, { recursive: true });
      const withModules = { KRYONIX_MODULES_DIR: modules };
      expect(kryonix(['tenant', 'create', 'ag-m1', 'M1', '--modules', 'crm', '--json'], withModules).code).toBe(0);
      await agentUp(2);
      expect(kryonix(['tenant', 'create', 'ag-m2', 'M2', '--modules', 'crm', '--json'], withModules).code).toBe(0);
      expect(await audited('ag-m2')).toEqual([{ actor: me, action: 'tenant.create', door: 'agent', outcome: 'success' }]);
      writeFileSync(join(modules, 'crm', '0003_origem.sql.hbs'), 'ALTER TABLE {{schema}}.leads ADD COLUMN origem_detalhe varchar(50);\n');
      const r = kryonix(['tenant', 'create', 'ag-m3', 'M3', '--modules', 'crm', '--json'], withModules);
      expect(r.code).toBe(0);
      expect(await audited('ag-m3')).toEqual([{ actor: me, action: 'tenant.create', door: 'cli', outcome: 'success' }]);
      const version = await withAdmin(async (c) => (await c.query(`SELECT max(version)::int AS v FROM tenant_management.tenant_module_migrations WHERE cliente_id = 'ag-m3'`)).rows[0].v, env.config.registryDatabase);
      expect(version).toBe(3);
    } finally {
      rmSync(modules, { recursive: true, force: true });
    }
  });

  it('an agent that cannot start is not started again by every command: its reason is kept next to its pid file', async () => {
    const bad = { KRYONIX_WARM_DATABASES: 'lots' };
    expect(kryonix(['tenant', 'create', 'ag-b1', 'B1', '--modules', 'crm', '--json'], bad).code).toBe(0);
    const reasons = () => readdirSync(run()).filter((f) => f.endsWith('.pid.failed')).map((f) => readFileSync(join(run(), f), 'utf8'));
    for (let i = 0; i < 100 && !reasons().some((r) => r.includes('KRYONIX_WARM_DATABASES')); i++) await new Promise((r) => setTimeout(r, 100));
    expect(reasons().filter((r) => r.includes('KRYONIX_WARM_DATABASES must be'))).toHaveLength(1);
    const tries = () => (readFileSync(join(run(), 'agent.log'), 'utf8').match(/KRYONIX_WARM_DATABASES must be/g) ?? []).length;
    const before = tries();
    expect(kryonix(['tenant', 'create', 'ag-b2', 'B2', '--modules', 'crm', '--json'], bad).code).toBe(0);
    await new Promise((r) => setTimeout(r, 2000));
    expect(tries()).toBe(before);
  });

  it('stops them all again', () => {
    expect(kryonix(['agent', 'stop']).code).toBe(0);
    expect(pidFiles()).toEqual([]);
  });
});
