import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { KryonixConfig, closePlatform, loadConfig, sessionTimeouts } from '@kryonix/platform';
import { AuthFailureLimiter, MetricsListener, RouteEntry, answerFrameworkError, installRequestHygiene, recordRoutes, startMetricsListener } from '@kryonix/web';
import { DataPlaneModule } from './app.module';
import { DataPlaneMetrics } from './metrics/data-plane-metrics';
import { dataPlaneTls } from './tls/sni-certificates';

export interface DataPlaneServer {
  app: NestFastifyApplication;
  config: KryonixConfig;
  url: string;
  port: number;
  /** The metrics listener (KRYONIX_DATA_METRICS_HOST/PORT): its port, and where to scrape. */
  metrics: { port: number; url: string };
  /** Every route it serves, from Fastify's own table. */
  routes: readonly RouteEntry[];
  close(): Promise<void>;
}

export interface StartDataPlaneOptions {
  env?: Record<string, string | undefined>;
  /** The configuration, when the caller has parsed it already (else parsed from `env`). */
  config?: KryonixConfig;
  port?: number;
  /** The metrics listener's port (else KRYONIX_DATA_METRICS_PORT); 0 = any free port. */
  metricsPort?: number;
}

/** Serves tenant apps: https://<tenant>.<base-domain>/api/<module>/<table> (HTTPS when KRYONIX_TLS_DIR or KRYONIX_TLS_CERT/KEY are set). */
export async function startDataPlane(options: StartDataPlaneOptions = {}): Promise<DataPlaneServer> {
  const env = options.env ?? process.env;
  // Parsed once, before anything starts: a bad setting stops the process here.
  const config = options.config ?? loadConfig(env, 'data-plane');
  let app: NestFastifyApplication | undefined;
  let metrics: MetricsListener | undefined;
  try {
    const https = dataPlaneTls(config, (file, error) => new Logger('tls').warn(`${file} is not a usable leaf certificate, the default one is served for its name: ${String(error)}`));
    const adapter = new FastifyAdapter({ bodyLimit: 1024 * 1024, frameworkErrors: answerFrameworkError, ...(https ? { https } : {}) } as ConstructorParameters<typeof FastifyAdapter>[0]);
    app = await NestFactory.create<NestFastifyApplication>(
      DataPlaneModule.forRoot(config, {
        connections: {
          maxConnections: config.maxConnections,
          cap: { reservedForOthers: config.reservedConnections, dataPlanes: config.dataPlanes },
          perTenantPool: config.tenantPoolSize,
          idleMs: config.poolIdleMs,
          acquireTimeoutMs: config.acquireTimeoutMs,
          applicationName: config.dataApplicationName,
          timeouts: sessionTimeouts(config),
        },
        routes: {
          ttlMs: config.routeTtlMs,
          staleMaxMs: config.routeStaleMaxMs,
          max: 100_000,
          unknownTtlMs: config.unknownTenantTtlMs,
          unknownMax: 10_000,
          redisUrl: config.redisUrl,
          loadTimeoutMs: config.acquireTimeoutMs,
        },
        rateLimit: { redisUrl: config.redisUrl, defaultPerMinute: config.rateLimit },
      }),
      adapter,
      // Bodies are read by installRequestHygiene: JSON only.
      { logger: config.logLevel === 'silent' ? false : ['error', 'warn'], abortOnError: false, bodyParser: false },
    );
    const fastify = app.getHttpAdapter().getInstance();
    installRequestHygiene(fastify);
    const routes = recordRoutes(fastify);
    const dataPlaneMetrics = app.get(DataPlaneMetrics);
    dataPlaneMetrics.countResponses(fastify);
    const port = options.port ?? config.dataPort;
    await app.listen(port, config.dataHost);
    const actual = (app.getHttpServer().address() as { port: number }).port;
    metrics = await startMetricsListener({
      host: config.dataMetricsHost,
      port: options.metricsPort ?? config.dataMetricsPort,
      registry: dataPlaneMetrics.registry,
      token: config.metricsToken,
      limiter: app.get(AuthFailureLimiter),
    });
    const started = app;
    const listener = metrics;
    return {
      app: started,
      config,
      port: actual,
      metrics: { port: listener.port, url: listener.url },
      routes,
      url: `${https ? 'https' : 'http'}://127.0.0.1:${actual}`,
      close: async () => {
        await listener.close();
        await started.close();
      },
    };
  } catch (error) {
    await metrics?.close().catch(() => undefined);
    if (app) await app.close().catch(() => undefined);
    else await closePlatform(config);
    throw error;
  }
}
