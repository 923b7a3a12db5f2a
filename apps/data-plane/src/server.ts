import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { KryonixRuntime, openRuntime } from '@kryonix/tenants';
import { loadConfig } from '@kryonix/platform';
import { DataPlaneModule } from './app.module';
import { DataPlaneMetrics } from './metrics/data-plane-metrics';

export interface DataPlaneServer {
  app: NestFastifyApplication;
  runtime: KryonixRuntime;
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface StartDataPlaneOptions {
  env?: Record<string, string | undefined>;
  port?: number;
}

/** Serves tenant apps: https://<tenant>.<base-domain>/api/<module>/<table> (HTTPS when KRYONIX_TLS_CERT/KEY are set). */
export async function startDataPlane(options: StartDataPlaneOptions = {}): Promise<DataPlaneServer> {
  const env = options.env ?? process.env;
  const runtime = await openRuntime(loadConfig(env), env, { gateway: true });
  try {
    const cert = env.KRYONIX_TLS_CERT;
    const key = env.KRYONIX_TLS_KEY;
    const https = cert && key ? { cert: readFileSync(cert), key: readFileSync(key) } : undefined;
    const adapter = new FastifyAdapter({ bodyLimit: 1024 * 1024, ...(https ? { https } : {}) } as ConstructorParameters<typeof FastifyAdapter>[0]);
    const app = await NestFactory.create<NestFastifyApplication>(
      DataPlaneModule.forRuntime(runtime, {
        connections: {
          maxConnections: Number(env.KRYONIX_MAX_CONNECTIONS || 100),
          perTenantPool: Number(env.KRYONIX_TENANT_POOL_SIZE || 1),
          idleMs: Number(env.KRYONIX_POOL_IDLE_MS || 30_000),
          acquireTimeoutMs: Number(env.KRYONIX_ACQUIRE_TIMEOUT_MS || 5_000),
          applicationName: env.KRYONIX_DATA_APPLICATION_NAME || 'kryonix-data-plane',
        },
        routes: {
          ttlMs: Number(env.KRYONIX_ROUTE_TTL_MS || 5_000),
          max: 100_000,
          unknownTtlMs: Number(env.KRYONIX_UNKNOWN_TENANT_TTL_MS || 1_000),
          unknownMax: 10_000,
          redisUrl: runtime.config.redisUrl,
        },
        rateLimit: { redisUrl: runtime.config.redisUrl, defaultPerMinute: Number(env.KRYONIX_RATE_LIMIT || 6000) },
        metricsToken: env.KRYONIX_METRICS_TOKEN || undefined,
      }),
      adapter,
      { logger: env.KRYONIX_LOG_LEVEL === 'silent' ? false : ['error', 'warn'] },
    );
    app.get(DataPlaneMetrics).countResponses(app.getHttpAdapter().getInstance());
    const port = options.port ?? Number(env.KRYONIX_DATA_PORT || 8443);
    await app.listen(port, env.KRYONIX_DATA_HOST || '127.0.0.1');
    const actual = (app.getHttpServer().address() as { port: number }).port;
    return {
      app,
      runtime,
      port: actual,
      url: `${https ? 'https' : 'http'}://127.0.0.1:${actual}`,
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
