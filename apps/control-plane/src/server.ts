import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { Logger as PinoLogger } from 'nestjs-pino';
import { chmod, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { ConfigurationError, KryonixError } from '@kryonix/domain';
import { ModuleCatalog } from '@kryonix/modules';
import { KryonixConfig, closePlatform, loadConfig, withFileLock } from '@kryonix/platform';
import { RouteEntry, answerFrameworkError, installRequestHygiene, recordRoutes } from '@kryonix/web';
import { ControlPlaneModule } from './app.module';
import { CONSOLE_PATH } from './console/console-session';
import { controlPlaneOpenApi } from './docs/openapi.document';
import { STREAM_ROUTES } from './backups/backups.controller';

export interface ControlPlaneServer {
  app: NestFastifyApplication;
  config: KryonixConfig;
  url: string;
  /** Every route it serves, from Fastify's own table. */
  routes: readonly RouteEntry[];
  close(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  /** The configuration, when the caller has parsed it already (else parsed from `env`). */
  config?: KryonixConfig;
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
  // Parsed once, before anything starts: a bad setting stops the process here.
  const config = options.config ?? loadConfig(env, 'control-plane');
  if (!config.operatorToken) {
    throw new ConfigurationError('KRYONIX_OPERATOR_TOKEN must be set to a secret of at least 16 characters (e.g. `openssl rand -hex 32`).');
  }
  const port = options.port ?? config.controlPort;
  const host = config.controlHost;
  let openapi: OpenAPIObject | undefined;
  let app: NestFastifyApplication | undefined;
  try {
    app = await NestFactory.create<NestFastifyApplication>(
      ControlPlaneModule.forRoot(config, {
        operatorToken: config.operatorToken,
        logLevel: config.logLevel,
        workerIntervalMs: config.workerIntervalMs,
        metricsIntervalMs: config.metricsIntervalMs,
        openapi: () => openapi!,
        logStream: options.logStream,
        metricsToken: config.metricsToken,
        trustActorHeader: Boolean(options.socketPath),
        warmDatabases: config.warmDatabases,
        jobs: { pollMs: config.jobPollMs, heartbeatMs: config.jobHeartbeatMs, staleAfterMs: config.jobStaleMs },
      }),
      new FastifyAdapter({ bodyLimit: 1024 * 1024, frameworkErrors: answerFrameworkError }),
      // Bodies are read by installRequestHygiene: JSON only.
      { bufferLogs: true, abortOnError: false, bodyParser: false },
    );
    installRequestHygiene(app.getHttpAdapter().getInstance(), { streamRoutes: STREAM_ROUTES, formRoutes: [`* ${CONSOLE_PATH}/*`] });
    const routes = recordRoutes(app.getHttpAdapter().getInstance());
    app.useLogger(app.get(PinoLogger));
    // the same function writes docs/openapi/control-plane.json (npm run generate)
    openapi = controlPlaneOpenApi(app, app.get(ModuleCatalog, { strict: false }).names());
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
    const started = app;
    return {
      app: started,
      config,
      url,
      routes,
      close: async () => {
        stopIdleWatch();
        await started.close();
      },
    };
  } catch (error) {
    if (app) await app.close().catch(() => undefined);
    else await closePlatform(config);
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
  return new ConfigurationError(message, { socketBusy: true });
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
