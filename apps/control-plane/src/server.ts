import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { Logger as PinoLogger } from 'nestjs-pino';
import { Logger } from '@nestjs/common';
import { chmod, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { ConfigurationError, KryonixError } from '@kryonix/domain';
import { KryonixRuntime, openRuntime } from '@kryonix/tenants';
import { loadConfig, withFileLock } from '@kryonix/platform';
import { ControlPlaneModule } from './app.module';

export interface ControlPlaneServer {
  app: NestFastifyApplication;
  runtime: KryonixRuntime;
  url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  /** 0 = any free port. */
  port?: number;
  logStream?: NodeJS.WritableStream;
  /** Listen on this Unix socket (mode 0600) instead of TCP: the CLI's local agent. */
  socketPath?: string;
  /** Called once no request has come for this long (the local agent then exits). */
  idle?: { afterMs: number; onIdle: () => void };
}

/** Opens the runtime (registry migrated at start-up) and serves the HTTP API. */
export async function startControlPlane(options: StartOptions = {}): Promise<ControlPlaneServer> {
  const env = options.env ?? process.env;
  const operatorToken = env.KRYONIX_OPERATOR_TOKEN;
  if (!operatorToken || operatorToken.length < 16) {
    throw new ConfigurationError('KRYONIX_OPERATOR_TOKEN must be set to a secret of at least 16 characters (e.g. `openssl rand -hex 32`).');
  }
  const port = options.port ?? Number(env.KRYONIX_CONTROL_PORT || 3000);
  const host = env.KRYONIX_CONTROL_HOST || '127.0.0.1';
  const warm = env.KRYONIX_WARM_DATABASES ?? '2';
  if (!/^\d+$/.test(warm) || Number(warm) > 20) throw new ConfigurationError(`KRYONIX_WARM_DATABASES must be a whole number from 0 to 20 (warm spare databases per module set); got "${warm}".`);
  const runtime = await openRuntime(loadConfig(env), env, {
    warmDatabases: Number(warm),
    onBackgroundError: (error) => new Logger('provisioning').warn({ err: error }, 'could not make a warm spare database (the next create clones its template instead)'),
  });
  let openapi: OpenAPIObject | undefined;
  try {
    const app = await NestFactory.create<NestFastifyApplication>(
      ControlPlaneModule.forRuntime(runtime, {
        operatorToken,
        logLevel: env.KRYONIX_LOG_LEVEL || 'info',
        workerIntervalMs: Number(env.KRYONIX_WORKER_INTERVAL_MS ?? 60_000),
        metricsIntervalMs: Number(env.KRYONIX_METRICS_INTERVAL_MS ?? 15_000),
        openapi: () => openapi!,
        logStream: options.logStream,
        metricsToken: env.KRYONIX_METRICS_TOKEN || undefined,
        trustActorHeader: Boolean(options.socketPath),
        jobs: {
          pollMs: Number(env.KRYONIX_JOB_POLL_MS ?? 500),
          heartbeatMs: Number(env.KRYONIX_JOB_HEARTBEAT_MS ?? 5_000),
          staleAfterMs: Number(env.KRYONIX_JOB_STALE_MS ?? 30_000),
        },
      }),
      new FastifyAdapter({ bodyLimit: 1024 * 1024 }),
      { bufferLogs: true },
    );
    app.useLogger(app.get(PinoLogger));
    openapi = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Kryonix control plane')
        .setDescription('Tenant lifecycle over HTTP. Errors: `{ "error": { "code", "message" } }`. Auth: `Authorization: Bearer <KRYONIX_OPERATOR_TOKEN>`.')
        .setVersion('1')
        .addBearerAuth()
        .build(),
    );
    const stopIdleWatch = options.idle ? watchIdle(app, options.idle) : () => undefined;
    let url: string;
    if (options.socketPath) {
      await listenOnSocket(app, options.socketPath);
      url = `unix:${options.socketPath}`;
    } else {
      await app.listen(port, host);
      const address = app.getHttpServer().address() as { port: number };
      url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    }
    return {
      app,
      runtime,
      url,
      close: async () => {
        stopIdleWatch();
        await app.close();
        await runtime.close();
      },
    };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}

/**
 * Listens on a Unix socket (mode 0600). Starting is serialised by a lock file next to it
 * (`<socket>.lock`, see withFileLock), so of two servers started at once the second finds
 * the first live and refuses. A socket file nobody answers on (a killed server's) is replaced.
 */
async function listenOnSocket(app: NestFastifyApplication, path: string): Promise<void> {
  await withFileLock(`${path}.lock`, async () => {
    if (await answers(path)) throw socketBusy(`Another control plane already listens on ${path}.`);
    await rm(path, { force: true });
    await app.listen({ path });
    await chmod(path, 0o600);
  });
}

/** Not a failure of this configuration: another server has the socket (the CLI's racing agents). */
function socketBusy(message: string): KryonixError {
  return new KryonixError('CONFIGURATION', message, { socketBusy: true });
}

function answers(path: string): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Calls `onIdle` each time no request has been in flight for `afterMs`. */
function watchIdle(app: NestFastifyApplication, { afterMs, onIdle }: { afterMs: number; onIdle: () => void }): () => void {
  const fastify = app.getHttpAdapter().getInstance();
  let inFlight = 0;
  let last = Date.now();
  // A request is over when its response closes: sent, or the client gone (Fastify's
  // onResponse does not run for a client that disconnects mid-way).
  fastify.addHook('onRequest', async (_request, reply) => {
    inFlight++;
    reply.raw.once('close', () => {
      inFlight--;
      last = Date.now();
    });
  });
  const timer = setInterval(() => {
    if (inFlight === 0 && Date.now() - last >= afterMs) {
      last = Date.now();
      onIdle();
    }
  }, Math.min(afterMs, 5_000));
  timer.unref();
  return () => clearInterval(timer);
}
