import { ChildProcess, spawn } from 'node:child_process';
import { projectPath } from '@kryonix/platform';
import { freePort } from './ports';

/**
 * The control plane as its own process (`node dist/control-plane.js`, built first), so a
 * test can kill it with -9: on a free port, with `env` (a test environment's, the operator
 * token, more settings); resolves once /readyz answers.
 */
export async function spawnControlPlane(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [projectPath('dist', 'control-plane.js')], {
    env: { ...process.env, KRYONIX_LOG_LEVEL: 'warn', ...env, KRYONIX_CONTROL_PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // the end of its error output, to say why it did not start
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000; // a loaded machine
  for (;;) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return { child, url };
    } catch {
      // starting
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`control plane did not start (${child.exitCode === null ? 'no answer in 90 s' : `exit ${child.exitCode}`}): ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
