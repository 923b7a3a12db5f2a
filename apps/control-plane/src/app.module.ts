import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { LoggerModule } from 'nestjs-pino';
import { DocsController, OPENAPI_DOCUMENT } from './docs/docs.controller';
import type { KryonixConfig } from '@kryonix/platform';
import { KryonixCoreModule, NEVER_LOGGED } from '@kryonix/tenants';
import { AuditInterceptor, TRUST_ACTOR_HEADER } from './audit/audit.interceptor';
import { OPERATOR_TOKEN, OperatorAuthGuard } from './auth/operator-auth.guard';
import { AuthFailureLimiter, DomainExceptionFilter, METRICS_REGISTRY, METRICS_TOKEN } from '@kryonix/web';
import { API_CONTROLLERS } from './docs/api-docs.module';
import { PurgeWorker, WORKER_INTERVAL_MS } from './worker/purge.worker';
import { JOB_WORKER_OPTIONS, JobWorker, JobWorkerOptions } from './worker/job.worker';
import { StartupTasks } from './worker/startup-tasks';
import { BackupScheduler } from './worker/backup-scheduler';
import { CONSOLE_CONTROLLERS, CreateRuns } from './console';
import { METRICS_INTERVAL_MS, TenantMetrics } from './metrics/tenant-metrics';

export interface ControlPlaneOptions {
  operatorToken: string;
  logLevel: string;
  workerIntervalMs: number;
  jobs: JobWorkerOptions;
  metricsIntervalMs: number;
  /** The OpenAPI document, built once the app exists. */
  openapi: () => OpenAPIObject;
  /** KRYONIX_METRICS_TOKEN: when set, /metrics wants it as a bearer token. */
  metricsToken?: string;
  /** Where the JSON log goes (default stdout). */
  logStream?: NodeJS.WritableStream;
  /** The CLI's local agent (a Unix socket only its user reaches): `X-Kryonix-Actor` names who acted. */
  trustActorHeader?: boolean;
  /** KRYONIX_WARM_DATABASES: warm spares per mode and module set. */
  warmDatabases: number;
}

/** Secrets never reach the log: the one list of what is never logged lives beside the result rules (libs/tenants disclosure.ts). */
export const REDACT = [...NEVER_LOGGED];

@Module({})
export class ControlPlaneModule {
  static forRoot(config: KryonixConfig, options: ControlPlaneOptions): DynamicModule {
    return {
      module: ControlPlaneModule,
      imports: [
        KryonixCoreModule.forRoot(config, { warmDatabases: options.warmDatabases }),
        LoggerModule.forRoot({
          pinoHttp: [
            {
            level: options.logLevel,
            redact: { paths: REDACT, censor: '[redacted]' },
            customProps: () => ({ service: 'control-plane' }),
            autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
            },
            options.logStream ?? process.stdout,
          ],
        }),
      ],
      controllers: [...API_CONTROLLERS, DocsController, ...CONSOLE_CONTROLLERS],
      providers: [
        { provide: OPERATOR_TOKEN, useValue: options.operatorToken },
        { provide: WORKER_INTERVAL_MS, useValue: options.workerIntervalMs },
        { provide: APP_GUARD, useClass: OperatorAuthGuard },
        { provide: APP_FILTER, useClass: DomainExceptionFilter },
        { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
        { provide: TRUST_ACTOR_HEADER, useValue: Boolean(options.trustActorHeader) },
        { provide: JOB_WORKER_OPTIONS, useValue: options.jobs },
        { provide: METRICS_INTERVAL_MS, useValue: options.metricsIntervalMs },
        { provide: OPENAPI_DOCUMENT, useValue: options.openapi },
        { provide: METRICS_TOKEN, useValue: options.metricsToken },
        TenantMetrics,
        { provide: METRICS_REGISTRY, useFactory: (m: TenantMetrics) => m.registry, inject: [TenantMetrics] },
        {
          provide: AuthFailureLimiter,
          useFactory: (m: TenantMetrics) =>
            new AuthFailureLimiter({
              maxFailures: config.authFailureLimit,
              trustedProxies: config.trustedProxies,
              // The local agent's socket (mode 0600) is reached by its own user only: nothing to guess there.
              exempt: Boolean(options.trustActorHeader),
              registry: m.registry,
              surfaces: ['operator', 'metrics', 'console'],
            }),
          inject: [TenantMetrics],
        },
        PurgeWorker,
        JobWorker,
        BackupScheduler,
        StartupTasks,
        CreateRuns,
      ],
    };
  }
}
