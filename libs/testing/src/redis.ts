import { spawn } from 'node:child_process';
import { freePort } from './ports';
import { startRedisContainer } from './containers';

export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** A real redis-server on a free loopback port (or on `port`: the same server again), without persistence. */
export async function startRedis(port?: number): Promise<TestRedis> {
  if (process.env.KRYONIX_TEST_CONTAINERS === 'docker') return startRedisContainer(port); // the global setup took the Docker path
  port ??= await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${out}`)), 10_000);
    child.once('error', (e) => reject(new Error(`redis-server could not be run (install the redis-server package): ${e.message}`)));
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
