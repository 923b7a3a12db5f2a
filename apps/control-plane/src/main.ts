import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { KryonixConfig, loadConfig } from '@kryonix/platform';
import { startControlPlane } from './server';

/**
 * `node dist/control-plane.js`: serves until SIGINT/SIGTERM, then closes cleanly.
 * KRYONIX_CONTROL_SOCKET makes it listen on a Unix socket instead of TCP, and
 * KRYONIX_IDLE_EXIT (e.g. `10m`) makes it exit after that long without requests:
 * both are how the CLI runs it as its local agent (with KRYONIX_PID_FILE, written once listening).
 */
let config: KryonixConfig;
try {
  config = loadConfig(process.env, 'control-plane');
} catch (error) {
  // A bad setting: the settings are not there to read the pid file's path from, so it is taken as given.
  failed(error, process.env.KRYONIX_PID_FILE || undefined, 2);
}
const idleAfter = config.idleExitMs;
let stopping = false;
let close = (): Promise<void> => Promise.resolve();
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
startControlPlane({
  config,
  socketPath: config.controlSocket,
  idle: idleAfter ? { afterMs: idleAfter, onIdle: () => stop() } : undefined,
})
  .then((server) => {
    process.stdout.write(`kryonix control plane listening on ${server.url}\n`);
    const pidFile = config.pidFile;
    if (pidFile) {
      writeFileSync(pidFile, `${process.pid}\n`, { mode: 0o600 });
      rmSync(`${pidFile}.failed`, { force: true });
      // Only our own: a later server on the same socket may have written its pid since.
      process.once('exit', () => {
        if (readPid(pidFile) === process.pid) rmSync(pidFile, { force: true });
      });
    }
    close = () => server.close();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  })
  .catch((error: unknown) => failed(error, config.pidFile, 1));

/** Says why on stderr and, as the CLI's agent, next to the pid file, so the CLI does not start it again at once. */
function failed(error: unknown, pidFile: string | undefined, code: number): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`kryonix control plane: ${message}\n`);
  const busy = (error as { details?: { socketBusy?: boolean } }).details?.socketBusy;
  if (pidFile && readPid(pidFile) === process.pid) rmSync(pidFile, { force: true });
  if (pidFile && !busy) writeFileSync(`${pidFile}.failed`, `${new Date().toISOString()} ${message}\n`, { mode: 0o600 });
  process.exit(code);
}

function readPid(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
}
