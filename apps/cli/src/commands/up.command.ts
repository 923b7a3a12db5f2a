import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, createWriteStream, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { AlreadyRunning, ConfigurationError } from '@kryonix/domain';
import type { KryonixConfig } from '@kryonix/platform';
import { isProcessAlive } from '@kryonix/platform/light';
import { operatorToken } from '../transport/agent';
import { action } from './shared';

interface Server {
  name: string;
  child: ChildProcess;
  /** How it ended: `code 1`, `signal SIGKILL`. */
  exited: Promise<string>;
  /** Where its stdout goes. */
  logFile: string;
  /** How to start it again (the same entry and settings). */
  restart(): Server;
}

/** A child that dies is started again after 1 s, 2 s, 4 s, … at most 30 s; the delay starts over once it has run 60 s. */
const RESTART_DELAYS_MS = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000];
const STABLE_AFTER_MS = 60_000;

/**
 * `kryonix up`: the embedded PostgreSQL (unless KRYONIX_DATABASE_URL is set),
 * registry migrations, the control plane on KRYONIX_CONTROL_PORT and the data
 * plane (HTTPS) on KRYONIX_DATA_PORT, until Ctrl-C. A server that dies is started
 * again with a backoff; neither stops the other.
 */
export function upCommand(): Command {
  return new Command('up')
    .description('start everything locally: embedded PostgreSQL (unless KRYONIX_DATABASE_URL), registry migrations, the control plane and the data plane (HTTPS); Ctrl-C stops it all (data kept)')
    .action(
      action(async () => {
        // Loaded on use: the rest of the CLI (--help, --api) stays light.
        const { loadConfig } = await import('../transport/in-process');
        // Everything `up` and the servers it starts read, checked before anything starts.
        const config = loadConfig(process.env, 'up');
        loadConfig(process.env, 'control-plane');
        const dataConfig = loadConfig(process.env, 'data-plane');
        // One `up` per KRYONIX_HOME: a second one refuses before it touches anything (ports, the embedded server).
        const release = await claimHome(config.home, { controlPort: config.controlPort, dataPort: config.dataPort });
        try {
          await runUp(config, dataConfig.metricsToken);
        } finally {
          release();
        }
      }),
    );
}

async function runUp(config: KryonixConfig, metricsToken: string | undefined): Promise<void> {
  const { ensureEmbeddedPostgres, stopEmbeddedPostgres } = await import('../transport/in-process');
  // Before anything starts: `KRYONIX_LOCAL_CA=off` without certificates refuses here.
  const tls = await prepareTls(config);
  const embedded = !config.databaseUrl;
  const databaseUrl = config.databaseUrl ?? (await ensureEmbeddedPostgres(config.home, config.embeddedPort)).url;
  const { token, tokenFile } = operatorToken(config.home);
  const controlPort = config.controlPort;
  const dataPort = config.dataPort;
  // 0 (any free port) is resolved here, so that the line below can say where it is.
  const metricsPort = config.dataMetricsPort || (await freePort(config.dataMetricsHost));
  const metricsUrl = `http://${config.dataMetricsHost.includes(':') ? `[${config.dataMetricsHost}]` : config.dataMetricsHost}:${metricsPort}/metrics`;
  const host = '127.0.0.1';
  const env = { ...process.env, KRYONIX_DATABASE_URL: databaseUrl, KRYONIX_OPERATOR_TOKEN: token, KRYONIX_HOME: config.home };
  // The control plane first: it applies the registry migrations the data plane relies on.
  const servers: Server[] = [];
  const logs = join(config.home, 'logs');
  let stopping = false;
  const stopAll = async () => {
    stopping = true;
    for (const s of [...servers].reverse()) if (s.child.exitCode === null) s.child.kill('SIGTERM');
    await Promise.all(servers.map((s) => s.exited));
    if (embedded) await stopEmbeddedPostgres(config.home);
  };
  try {
    servers.push(start('control plane', 'control-plane.js', { ...env, ...tls.controlEnv, KRYONIX_CONTROL_PORT: String(controlPort) }, join(logs, 'control-plane.log')));
    await waitReady(`http://${host}:${controlPort}/readyz`, servers[0]!);
    servers.push(start('data plane', 'data-plane.js', { ...env, KRYONIX_DATA_PORT: String(dataPort), KRYONIX_DATA_METRICS_PORT: String(metricsPort), ...tls.dataEnv }, join(logs, 'data-plane.log')));
    await waitReady(`https://${host}:${dataPort}/readyz`, servers[1]!);
  } catch (error) {
    await stopAll();
    throw error;
  }
  process.stdout.write(
    [
      `Kryonix is up (${embedded ? `embedded PostgreSQL in ${join(config.home, 'postgres')}` : 'PostgreSQL at KRYONIX_DATABASE_URL'}).`,
      `  control plane  http://${host}:${controlPort}   (API under /v1, docs /docs, health /healthz, readiness /readyz)`,
      `  console        http://${host}:${controlPort}/console   (sign in with the operator token)`,
      `  data plane     https://<tenant>.${config.baseDomain}:${dataPort}/api/<module>/<table>   (${tls.certificates})`,
      ...(tls.ca ? [`  local CA       ${tls.ca}${tls.caMade ? ` (made now: ${tls.caMade})` : ''}   (trust it: curl --cacert ${tls.ca} https://<tenant>.${config.baseDomain}:${dataPort}/…; Node: the https \`ca\` option or NODE_EXTRA_CA_CERTS)`] : []),
      `  metrics        ${metricsUrl} (data plane), http://${host}:${controlPort}/metrics (control plane)${metricsToken ? '   (Authorization: Bearer <KRYONIX_METRICS_TOKEN>)' : ''}`,
      `  operator token ${tokenFile ?? 'KRYONIX_OPERATOR_TOKEN'}   (send it as: Authorization: Bearer <token>)`,
      `  logs           ${join(logs, 'control-plane.log')}, ${join(logs, 'data-plane.log')}`,
      `  CLI against it kryonix --api http://${host}:${controlPort} tenant list   (with KRYONIX_OPERATOR_TOKEN set)`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolveExit) => {
    const onSignal = () => void stopAll().then(() => resolveExit());
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    servers.forEach((_, i) => supervise(servers, i, () => stopping));
  });
  process.stdout.write('Kryonix stopped; data kept for the next `kryonix up`.\n');
}

interface UpTls {
  /** What the data plane is given: the operator's certificate, or the local CA's leaf folder (never the CA's key). */
  dataEnv: Record<string, string>;
  controlEnv: Record<string, string>;
  /** For the banner. */
  certificates: string;
  ca?: string;
  caMade?: string;
}

/**
 * The operator's own certificate (KRYONIX_TLS_CERT/KEY) as it is, and no leaves issued; else
 * the local CA, made once under KRYONIX_HOME, with the default leaf (localhost, the base
 * domain, 127.0.0.1). The tenants' leaves are the control plane's (at its start) and each
 * create's; the data plane gets only the leaf folder.
 */
async function prepareTls(config: KryonixConfig): Promise<UpTls> {
  if (config.tlsCert && config.tlsKey) {
    return { dataEnv: { KRYONIX_TLS_CERT: config.tlsCert, KRYONIX_TLS_KEY: config.tlsKey }, controlEnv: { KRYONIX_LOCAL_CA: 'off' }, certificates: `certificate ${config.tlsCert}` };
  }
  if (config.localCa === 'off') throw new ConfigurationError('KRYONIX_LOCAL_CA is off and KRYONIX_TLS_CERT/KRYONIX_TLS_KEY are not set: `kryonix up` serves HTTPS, so set both (or KRYONIX_LOCAL_CA=auto for the local CA).');
  const { LocalCertificateAuthority } = await import('../transport/in-process');
  const ca = new LocalCertificateAuthority(config.home);
  const caMade = await ca.ensure(config.baseDomain);
  await ca.ensureDefaultLeaf(config.baseDomain);
  return { dataEnv: { KRYONIX_TLS_DIR: ca.paths.leaves, KRYONIX_TLS_CERT: '', KRYONIX_TLS_KEY: '' }, controlEnv: {}, certificates: `a leaf per tenant from ${ca.paths.leaves}`, ca: ca.paths.cert, caMade };
}

interface UpClaim {
  pid: number;
  controlPort: number;
  dataPort: number;
  startedAt: string;
}

/**
 * Takes `$KRYONIX_HOME/run/up.json` (created exclusively) for this process, or refuses,
 * naming the `up` that holds it while its pid lives; a claim whose process is gone
 * (killed) is replaced. Returns the release.
 */
async function claimHome(home: string, ports: { controlPort: number; dataPort: number }): Promise<() => void> {
  const file = join(home, 'run', 'up.json');
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  for (;;) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeFileSync(fd, JSON.stringify({ pid: process.pid, ...ports, startedAt: new Date().toISOString() } satisfies UpClaim) + '\n');
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder: UpClaim | undefined;
    try {
      holder = JSON.parse(readFileSync(file, 'utf8')) as UpClaim;
    } catch {
      holder = undefined; // half-written by a racing `up`: look again
    }
    if (holder && isProcessAlive(holder.pid)) {
      throw new AlreadyRunning(
        `kryonix up is already running for ${home} (pid ${holder.pid}, control plane on port ${holder.controlPort}, data plane on port ${holder.dataPort}, since ${holder.startedAt}); stop it first (Ctrl-C in its terminal, or kill ${holder.pid}). Nothing was changed.`,
        { pid: holder.pid },
      );
    }
    if (holder) rmSync(file, { force: true });
    else await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A server's log (its stdout) goes to this file, appended to (0600), and its warnings and
 * errors also to our terminal, prefixed with its name; its stderr goes to ours.
 */
function start(name: string, file: string, env: NodeJS.ProcessEnv, logFile: string): Server {
  const entry = resolve(__dirname, file);
  if (!existsSync(entry)) throw new ConfigurationError(`${entry} is missing; run \`npm run build\`.`);
  mkdirSync(dirname(logFile), { recursive: true, mode: 0o700 });
  const log = createWriteStream(logFile, { flags: 'a', mode: 0o600 });
  const child = spawn(process.execPath, [entry], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    log.write(chunk);
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (isWarning(line)) process.stderr.write(`[${name}] ${plain(line)}\n`);
  });
  child.stdout!.once('end', () => log.end());
  const exited = new Promise<string>((r) => child.once('exit', (code, signal) => r(signal ? `signal ${signal}` : `code ${code ?? 0}`)));
  return { name, child, exited, logFile, restart: () => start(name, file, env, logFile) };
}

/**
 * Keeps servers[i] running: when it exits while `up` is not stopping, one line says so and
 * it is started again after a backoff (the other server keeps serving meanwhile).
 */
function supervise(servers: Server[], i: number, stopping: () => boolean, failures = 0): void {
  const server = servers[i]!;
  const startedAt = Date.now();
  void server.exited.then((how) => {
    if (stopping()) return;
    const streak = Date.now() - startedAt >= STABLE_AFTER_MS ? 0 : failures;
    const delay = RESTART_DELAYS_MS[Math.min(streak, RESTART_DELAYS_MS.length - 1)]!;
    process.stderr.write(`kryonix: the ${server.name} exited (${how}); starting it again in ${delay / 1000} s.\n`);
    setTimeout(() => {
      if (stopping()) return;
      servers[i] = server.restart();
      process.stderr.write(`kryonix: the ${server.name} was started again (pid ${servers[i]!.child.pid}).\n`);
      supervise(servers, i, stopping, streak + 1);
    }, delay);
  });
}

/** Polls a readiness URL of our own child (its self-signed certificate is not checked). */
async function waitReady(url: string, server: Server): Promise<void> {
  let exited = false;
  void server.exited.then(() => (exited = true));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`The ${server.name} exited while starting; see ${server.logFile} and the lines above.`);
    if (await probe(url)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`The ${server.name} did not become ready at ${url} within 60 s.`);
}

/** A port free on `host` right now (the OS picks it). */
function freePort(host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probeServer = createServer();
    probeServer.once('error', reject);
    probeServer.listen(0, host, () => {
      const address = probeServer.address();
      probeServer.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error(`no free port on ${host}`))));
    });
  });
}

async function probe(url: string): Promise<boolean> {
  if (url.startsWith('http:')) return fetch(url).then((r) => r.ok, () => false);
  return new Promise((resolveProbe) => {
    const req = get(url, { rejectUnauthorized: false }, (res) => {
      res.resume();
      resolveProbe(res.statusCode === 200);
    });
    req.on('error', () => resolveProbe(false));
  });
}

/** A warning or an error in a server's log: Nest's text lines (WARN, ERROR) or pino's JSON (level 40 and up). */
function isWarning(line: string): boolean {
  if (/^\s*\{/.test(line)) {
    const level = /"level":(\d+)/.exec(line)?.[1];
    return level !== undefined && Number(level) >= 40;
  }
  return /\b(WARN|ERROR|FATAL)\b/.test(line);
}

/** Without the colours of Nest's console logger. */
function plain(line: string): string {
  return line.replace(/\x1b\[[0-9;]*m/g, '');
}
