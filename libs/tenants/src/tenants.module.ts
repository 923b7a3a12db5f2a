import { DynamicModule, Module } from '@nestjs/common';
import { REDIS_PUBLISHER, TenantEventsPublisher } from './publish-events/tenant-events.publisher';
import { CqrsModule } from '@nestjs/cqrs';
import { DriftDetector, FleetMigrator } from '@kryonix/fleet';
import { KryonixRuntime } from './runtime';
import { ModuleCatalog } from '@kryonix/modules';
import { Provisioner, TenantLifecycle, TenantMetricsRepository } from '@kryonix/provisioning';
import { SecretBox } from '@kryonix/platform';
import { ApiKeyRepository, AuditRepository, JobRepository, ModuleLedgerRepository, ProvisioningLogRepository, TenantRepository } from '@kryonix/registry';
import { CreateTenantHandler } from './create-tenant/create-tenant.handler';
import { ListModulesHandler } from './list-modules/list-modules.handler';
import { ListTenantsHandler } from './list-tenants/list-tenants.handler';
import { RepairTenantHandler } from './repair-tenant/repair-tenant.handler';
import { ShowTenantHandler } from './show-tenant/show-tenant.handler';
import { TenantLogHandler } from './tenant-log/tenant-log.handler';
import { DeleteTenantHandler } from './delete-tenant/delete-tenant.handler';
import { PurgeExpiredTenantsHandler } from './purge-expired/purge-expired.handler';
import { RecordAuditHandler } from './record-audit/record-audit.handler';
import { ResumeTenantHandler } from './resume-tenant/resume-tenant.handler';
import { RotateApiKeyHandler } from './rotate-api-key/rotate-api-key.handler';
import { RotateCredentialsHandler } from './rotate-credentials/rotate-credentials.handler';
import { SuspendTenantHandler } from './suspend-tenant/suspend-tenant.handler';
import { KRYONIX_CONFIG } from '@kryonix/platform';
import { REGISTRY_DB } from '@kryonix/registry';
import { GetJobHandler } from './get-job/get-job.handler';
import { ChangeModulesHandler } from './change-modules/change-modules.handler';
import { CollectUsageHandler } from './collect-usage/collect-usage.handler';
import { SubmitTenantJobHandler } from './submit-tenant-job/submit-tenant-job.handler';
import { ResolveRouteHandler } from '@kryonix/routes';
import { MigrateFleetHandler } from './migrate-fleet/migrate-fleet.handler';
import { DetectDriftHandler } from './detect-drift/detect-drift.handler';
import { SubmitMigrationHandler } from './submit-migration/submit-migration.handler';
import { SetRateLimitHandler } from './set-rate-limit/set-rate-limit.handler';
import { RunNextJobHandler } from './run-next-job/run-next-job.handler';
import { SubmitCreateTenantHandler } from './submit-create-tenant/submit-create-tenant.handler';
import { CheckReadinessHandler } from '@kryonix/routes';

/**
 * The application core shared by both doors (CLI and HTTP): CQRS commands and
 * queries over one opened runtime.
 */
@Module({})
export class TenantsModule {
  static forRuntime(runtime: KryonixRuntime): DynamicModule {
    return {
      module: TenantsModule,
      imports: [CqrsModule.forRoot()],
      providers: [
        { provide: KRYONIX_CONFIG, useValue: runtime.config },
        { provide: REGISTRY_DB, useValue: runtime.registry },
        {
          provide: REDIS_PUBLISHER,
          // ioredis is loaded only when Redis is configured: a short CLI command without it starts lighter.
          useFactory: async () => {
            if (!runtime.config.redisUrl) return undefined;
            const { default: Redis } = await import('ioredis');
            return new Redis(runtime.config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: true, connectTimeout: 2000, retryStrategy: (n) => Math.min(n * 200, 2000) });
          },
        },
        TenantEventsPublisher,
        { provide: Provisioner, useValue: runtime.provisioner },
        { provide: TenantLifecycle, useValue: runtime.lifecycle },
        { provide: SecretBox, useValue: runtime.secrets },
        { provide: TenantMetricsRepository, useValue: runtime.metrics },
        { provide: FleetMigrator, useValue: runtime.migrator },
        { provide: DriftDetector, useValue: runtime.drift },
        { provide: JobRepository, useFactory: () => new JobRepository(runtime.registry) },
        { provide: AuditRepository, useFactory: () => new AuditRepository(runtime.registry) },
        { provide: ModuleCatalog, useValue: runtime.catalog },
        { provide: TenantRepository, useFactory: () => new TenantRepository(runtime.registry) },
        { provide: ModuleLedgerRepository, useFactory: () => new ModuleLedgerRepository(runtime.registry) },
        { provide: ApiKeyRepository, useFactory: () => new ApiKeyRepository(runtime.registry) },
        { provide: ProvisioningLogRepository, useFactory: () => new ProvisioningLogRepository(runtime.registry) },
        CreateTenantHandler,
        RepairTenantHandler,
        ListTenantsHandler,
        ShowTenantHandler,
        TenantLogHandler,
        ListModulesHandler,
        SuspendTenantHandler,
        ResumeTenantHandler,
        DeleteTenantHandler,
        RotateApiKeyHandler,
        RotateCredentialsHandler,
        PurgeExpiredTenantsHandler,
        RecordAuditHandler,
        CheckReadinessHandler,
        SubmitCreateTenantHandler,
        GetJobHandler,
        RunNextJobHandler,
        ChangeModulesHandler,
        CollectUsageHandler,
        SubmitTenantJobHandler,
        ResolveRouteHandler,
        MigrateFleetHandler,
        DetectDriftHandler,
        SubmitMigrationHandler,
        SetRateLimitHandler,
      ],
    };
  }
}
