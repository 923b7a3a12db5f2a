import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { Dirent, closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { coreSettingNames, isProcessAlive, loadSettings } from '@kryonix/platform/light';
import { ApiTenantService } from './api.service';

/**
 * The local agent: the control plane (dist/control-plane.js) serving this CLI on a Unix
 * socket under KRYONIX_HOME/run, started in the background after a command ran here,
 * and gone after KRYONIX_AGENT_IDLE (default 10m) without requests. It keeps what a CLI
 * process otherwise rebuilds each time (Node and the core loaded, the registry open,
 * pooled connections), so the next commands only pay for their own work.
 *
 * An agent is tied to the build and to the configuration it was started with: the socket
 * is named by a hash of both (KRYONIX_* settings, REDIS_URL, the working directory), so a
 * command with other settings never reaches an agent of different ones. Commands that
 * cannot be sent (`migrate`, `drift`, `up`) run here as before. KRYONIX_AGENT=off turns
 * it off; `kryonix agent stop` (and `kryonix db stop`) stop it.
 */
export interface LocalAgent {
  socket: string;
  pidFile: string;
  logFile: string;
  home: string;
  /** KRYONIX_AGENT_IDLE: the agent exits after this long without requests. */
  idleMs: number;
  /** The embedded PostgreSQL the agent works on (no KRYONIX_DATABASE_URL): its port. */
  embeddedPort?: number;
}

/**
 * The settings that make up the core's configuration, from the one schema of settings
 * (its per-command entries are left out). KRYONIX_OPERATOR_TOKEN is per command here: the
 * agent always uses the token file's.
 */
const CORE_SETTINGS = new Set(coreSettingNames().filter((name) => name !== 'KRYONIX_OPERATOR_TOKEN'));
/** Unix socket paths are limited to 107 bytes on Linux. */
const MAX_SOCKET_PATH = 100;

export function agentHome(env: NodeJS.ProcessEnv = process.env): string {
  return loadSettings(env, 'cli').home;
}

/** This configuration's agent, or undefined when agents are off or cannot run here. */
export function localAgent(env: NodeJS.ProcessEnv = process.env): LocalAgent | undefined {
  const parsed = loadSettings(env, 'cli');
  if (parsed.agent === 'off' || process.platform === 'win32') return undefined;
  const entry = controlPlaneEntry();
  if (!entry) return undefined; // not running from a build (e.g. the sources under test)
  const home = parsed.home;
  const settings = Object.entries(env)
    .filter(([k]) => CORE_SETTINGS.has(k) || k.startsWith('PG'))
    .sort(([a], [b]) => a.localeCompare(b));
  // What the agent loaded at its start and would not see change: the build, the SQL modules
  // and the templates of the generated files.
  const modulesDir = parsed.modulesDir;
  const loaded = [readText(resolve(__dirname, 'build-id.json')), filesOf(modulesDir, 2), filesOf(resolve(__dirname, '..', 'provisioning'), 2)];
  const id = createHash('sha256').update(JSON.stringify({ settings, cwd: process.cwd(), loaded })).digest('hex').slice(0, 16);
  const run = join(home, 'run');
  const socket = join(run, `agent-${id}.sock`);
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) return undefined;
  return { socket, pidFile: `${socket}.pid`, logFile: join(run, 'agent.log'), home, idleMs: parsed.agentIdle, ...(parsed.databaseUrl ? {} : { embeddedPort: parsed.embeddedPort }) };
}

/**
 * Whether the embedded PostgreSQL of `home` runs, without connecting: its postmaster.pid
 * names a live process. (`kryonix up`'s Ctrl-C or `db stop` may have stopped it under an agent.)
 */
export function embeddedPostgresRuns(home: string): boolean {
  const pid = Number(readText(join(home, 'postgres', 'postmaster.pid')).split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 && isProcessAlive(pid);
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Names, sizes and mtimes of the files under `dir` (to `depth` levels): a cheap fingerprint of a folder. */
function filesOf(dir: string, depth: number): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return depth > 1 ? filesOf(path, depth - 1) : [];
      const s = statSync(path, { throwIfNoEntry: false });
      return s ? [`${path}:${s.size}:${s.mtimeMs}`] : [];
    });
}

function controlPlaneEntry(): string | undefined {
  const entry = resolve(__dirname, 'control-plane.js');
  return existsSync(entry) ? entry : undefined;
}

/** The agent's client, when its socket is there (it may still turn out to be stale: see ControlPlaneUnreachable). */
export function agentClient(agent: LocalAgent): ApiTenantService | undefined {
  if (!existsSync(agent.socket)) return undefined;
  return new ApiTenantService(`unix:${agent.socket}`, operatorToken(agent.home, {}).token, cliActor());
}

/**
 * Starts the agent in the background (detached; its log in KRYONIX_HOME/run/agent.log).
 * Synchronous, so it can run from an `exit` handler; a second agent started by a racing
 * CLI finds the socket taken and exits.
 */
export function startAgent(agent: LocalAgent, env: NodeJS.ProcessEnv = process.env): void {
  const entry = controlPlaneEntry();
  if (!entry || recentlyFailed(agent)) return;
  // One is running or still starting (commands that follow each other quickly): leave it be.
  if (agentPid(agent.pidFile)) return;
  try {
    mkdirSync(join(agent.home, 'run'), { recursive: true, mode: 0o700 });
    const log = openSync(agent.logFile, 'a', 0o600);
    const child = spawn(process.execPath, [entry], {
      detached: true,
      stdio: ['ignore', log, log],
      env: {
        ...env,
        KRYONIX_HOME: agent.home,
        // The agent's token is always the one in <home>/operator-token (never KRYONIX_OPERATOR_TOKEN, which is per command).
        KRYONIX_OPERATOR_TOKEN: operatorToken(agent.home, {}).token,
        KRYONIX_CONTROL_SOCKET: agent.socket,
        KRYONIX_IDLE_EXIT: String(Math.ceil(agent.idleMs / 1000)),
        KRYONIX_LOG_LEVEL: env.KRYONIX_LOG_LEVEL || 'warn',
        // It serves this CLI only: no durable-job or purge worker (those belong to the control plane proper).
        KRYONIX_METRICS_INTERVAL_MS: '0',
        KRYONIX_JOB_POLL_MS: '0',
        KRYONIX_WORKER_INTERVAL_MS: '0',
        KRYONIX_PID_FILE: agent.pidFile,
      },
    });
    child.unref();
    closeSync(log);
    // Known from now on (the agent writes the same pid again once it listens), so a
    // `kryonix agent stop` or `db stop` right after this command also stops one still starting.
    if (child.pid) writeFileSync(agent.pidFile, `${child.pid}\n`, { mode: 0o600 });
  } catch {
    // no agent: the next command runs in its own process, as this one did
  }
}

/** An agent of this configuration failed to start in the last 5 minutes (its reason is in agent.log and `<socket>.pid.failed`). */
function recentlyFailed(agent: LocalAgent): boolean {
  const s = statSync(`${agent.pidFile}.failed`, { throwIfNoEntry: false });
  return Boolean(s && Date.now() - s.mtimeMs < 5 * 60_000);
}

/** Stops this configuration's agent (when it refused this CLI's token, say); waits up to 3 s for it to go. */
export async function stopAgent(agent: LocalAgent): Promise<void> {
  const pid = agentPid(agent.pidFile);
  if (pid) await terminate([pid], 3_000);
}

/** Stops every agent under this home (all configurations and builds); resolves once they are gone. */
export async function stopAgents(home: string): Promise<number> {
  const run = join(home, 'run');
  const pids = (existsSync(run) ? readdirSync(run) : [])
    .filter((f) => /^agent-[0-9a-f]{16}\.sock\.pid$/.test(f))
    .map((f) => agentPid(join(run, f)))
    .filter((pid): pid is number => pid !== undefined);
  await terminate(pids, 10_000);
  return pids.length;
}

/** The pid in an agent's pid file, when that process is running and is one of ours. */
export function agentPid(pidFile: string): number | undefined {
  const pid = Number(readText(pidFile).trim());
  return Number.isInteger(pid) && pid > 0 && isAgent(pid) ? pid : undefined;
}

/** SIGTERM, then wait (at most `timeoutMs`) until they are gone. */
async function terminate(pids: readonly number[], timeoutMs: number): Promise<void> {
  for (const pid of pids) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isProcessAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

/** A pid file can outlive its process; never signal a process that is not one of ours. */
function isAgent(pid: number): boolean {
  if (!isProcessAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('control-plane.js');
  } catch {
    return process.platform !== 'linux';
  }
}

/** KRYONIX_OPERATOR_TOKEN, or a token generated once into <home>/operator-token (mode 0600), shared by `kryonix up` and the agent. */
export function operatorToken(home: string, env: NodeJS.ProcessEnv = process.env): { token: string; tokenFile?: string } {
  if (env.KRYONIX_OPERATOR_TOKEN) return { token: env.KRYONIX_OPERATOR_TOKEN };
  const file = join(home, 'operator-token');
  if (!existsSync(file)) {
    mkdirSync(home, { recursive: true });
    try {
      writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  return { token: readFileSync(file, 'utf8').trim(), tokenFile: file };
}

/** The operator token file `kryonix up` (or the agent) made in `home`, if there is one: never creates it. */
export function existingOperatorToken(home: string): string | undefined {
  const text = readText(join(home, 'operator-token')).trim();
  return text || undefined;
}

/** Who runs this CLI, for the audit log: `cli:<os user>`. */
export function cliActor(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = String(process.getuid?.() ?? 'unknown');
  }
  // The same on every path (in-process, agent, --api): characters outside [A-Za-z0-9._@-] become `_`.
  return `cli:${user.replace(/[^A-Za-z0-9._@-]/g, '_').slice(0, 64)}`;
}
