import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { ConfigurationError } from '@kryonix/domain';
import { KryonixRuntime, loadConfig, openRuntime } from '@kryonix/provisioning';
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
  const runtime = await openRuntime(loadConfig(env), env);
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
        jobs: {
          pollMs: Number(env.KRYONIX_JOB_POLL_MS ?? 500),
          heartbeatMs: Number(env.KRYONIX_JOB_HEARTBEAT_MS ?? 5_000),
          staleAfterMs: Number(env.KRYONIX_JOB_STALE_MS ?? 30_000),
        },
      }),
      new FastifyAdapter({ bodyLimit: 1024 * 1024 }),
      { bufferLogs: true },
    );
    app.useLogger(app.get(Logger));
    openapi = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Kryonix control plane')
        .setDescription('Tenant lifecycle over HTTP. Errors: `{ "error": { "code", "message" } }`. Auth: `Authorization: Bearer <KRYONIX_OPERATOR_TOKEN>`.')
        .setVersion('1')
        .addBearerAuth()
        .build(),
    );
    await app.listen(port, host);
    const address = app.getHttpServer().address() as { port: number };
    return {
      app,
      runtime,
      url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
      close: async () => {
        await app.close();
        await runtime.close();
      },
    };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
