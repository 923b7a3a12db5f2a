import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { ConfigurationError } from '@kryonix/domain';
import { action } from './shared';

/**
 * `kryonix up`: the embedded PostgreSQL (unless KRYONIX_DATABASE_URL is set),
 * registry migrations, and the control plane on KRYONIX_CONTROL_PORT, until Ctrl-C.
 */
export function upCommand(): Command {
  return new Command('up')
    .description('start everything locally: embedded PostgreSQL (unless KRYONIX_DATABASE_URL), registry migrations, the control plane; Ctrl-C stops it all (data kept)')
    .action(
      action(async () => {
        // Loaded on use: the rest of the CLI (--help, --api) stays light.
        const { ensureEmbeddedPostgres, loadConfig, stopEmbeddedPostgres } = await import('@kryonix/provisioning');
        const config = loadConfig();
        const embedded = !config.databaseUrl;
        const databaseUrl = config.databaseUrl ?? (await ensureEmbeddedPostgres(config.home, config.embeddedPort)).url;
        const { token, tokenFile } = await operatorToken(config.home);
        const port = Number(process.env.KRYONIX_CONTROL_PORT || 3000);
        const host = process.env.KRYONIX_CONTROL_HOST || '127.0.0.1';
        const entry = resolve(__dirname, 'control-plane.js');
        if (!existsSync(entry)) throw new ConfigurationError(`${entry} is missing; run \`npm run build\`.`);

        const child = spawn(process.execPath, [entry], {
          env: { ...process.env, KRYONIX_DATABASE_URL: databaseUrl, KRYONIX_OPERATOR_TOKEN: token, KRYONIX_HOME: config.home, KRYONIX_CONTROL_PORT: String(port) },
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        const exited = new Promise<number>((r) => child.once('exit', (code, signal) => r(code ?? (signal ? 1 : 0))));
        const url = `http://${host}:${port}`;
        let stopping = false;
        const stopAll = async () => {
          stopping = true;
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
          if (embedded) await stopEmbeddedPostgres(config.home);
        };
        try {
          await waitReady(`${url}/readyz`, exited);
        } catch (error) {
          await stopAll();
          throw error;
        }
        process.stdout.write(
          [
            `Kryonix is up (${embedded ? `embedded PostgreSQL in ${join(config.home, 'postgres')}` : 'PostgreSQL at KRYONIX_DATABASE_URL'}).`,
            `  control plane  ${url}   (API under /v1, health /healthz, readiness /readyz)`,
            `  operator token ${tokenFile ?? 'KRYONIX_OPERATOR_TOKEN'}   (send it as: Authorization: Bearer <token>)`,
            `  CLI against it kryonix --api ${url} tenant list   (with KRYONIX_OPERATOR_TOKEN set)`,
            'Press Ctrl-C to stop.',
            '',
          ].join('\n'),
        );
        const code = await new Promise<number>((resolveExit) => {
          const onSignal = () => void stopAll().then(() => resolveExit(0));
          process.once('SIGINT', onSignal);
          process.once('SIGTERM', onSignal);
          void exited.then(async (c) => {
            if (stopping) return;
            stopping = true;
            process.stderr.write(`kryonix: the control plane exited (code ${c}); stopping.\n`);
            if (embedded) await stopEmbeddedPostgres(config.home);
            resolveExit(1);
          });
        });
        process.stdout.write('Kryonix stopped; data kept for the next `kryonix up`.\n');
        process.exitCode = code;
      }),
    );
}

/** KRYONIX_OPERATOR_TOKEN, or a token generated once into <home>/operator-token (mode 0600). */
async function operatorToken(home: string): Promise<{ token: string; tokenFile?: string }> {
  if (process.env.KRYONIX_OPERATOR_TOKEN) return { token: process.env.KRYONIX_OPERATOR_TOKEN };
  const file = join(home, 'operator-token');
  if (!existsSync(file)) {
    await mkdir(home, { recursive: true });
    await writeFile(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
  }
  return { token: (await readFile(file, 'utf8')).trim(), tokenFile: file };
}

async function waitReady(url: string, exited: Promise<number>): Promise<void> {
  let done = false;
  void exited.then(() => (done = true));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (done) throw new Error('The control plane exited while starting (see its log above).');
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`The control plane did not become ready at ${url} within 60 s.`);
}
