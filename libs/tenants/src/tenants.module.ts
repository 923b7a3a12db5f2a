import { DynamicModule, Logger, Module } from '@nestjs/common';
import { REDIS_PUBLISHER, TenantEventsPublisher } from './publish-events/tenant-events.publisher';
import { CqrsModule } from '@nestjs/cqrs';
import { FleetModule } from '@kryonix/fleet';
import { ModulesModule } from '@kryonix/modules';
import { KRYONIX_CONFIG, type KryonixConfig, OutageLog, PlatformModule, type PlatformOptions, watchRedis } from '@kryonix/platform';
import { ProvisioningModule, type ProvisioningOptions } from '@kryonix/provisioning';
import { RegistryModule } from '@kryonix/registry';
import { RoutesModule } from '@kryonix/routes';
import { AuditedCommands } from './audit/audited-commands';
import { MoveLimits } from './drain-server/move-limiter';
import { OpenConsoleSessionHandler } from './open-console-session/open-console-session.handler';
import { CheckConsoleSessionHandler } from './check-console-session/check-console-session.handler';
import { CloseConsoleSessionHandler } from './close-console-session/close-console-session.handler';
import { BrowseTenantsHandler } from './browse-tenants/browse-tenants.handler';
import { TenantGaugesHandler } from './tenant-gauges/tenant-gauges.handler';
import { ListJobsHandler } from './list-jobs/list-jobs.handler';
import { ListMovesHandler } from './list-moves/list-moves.handler';
import { PendingVersionsHandler } from './pending-versions/pending-versions.handler';
import { SubmitDriftCheckHandler } from './submit-drift-check/submit-drift-check.handler';
import { TenantAuditHandler } from './tenant-audit/tenant-audit.handler';
import { CreateTenantHandler } from './create-tenant/create-tenant.handler';
import { BackupTenantHandler } from './backup-tenant/backup-tenant.handler';
import { RestoreTenantHandler } from './restore-tenant/restore-tenant.handler';
import { CloneTenantHandler } from './clone-tenant/clone-tenant.handler';
import { ExportTenantHandler } from './export-tenant/export-tenant.handler';
import { SubmitBackupJobHandler } from './submit-backup-job/submit-backup-job.handler';
import { UploadBackupHandler } from './upload-backup/upload-backup.handler';
import { DownloadBackupHandler } from './download-backup/download-backup.handler';
import { ListModulesHandler } from './list-modules/list-modules.handler';
import { ListBackupsHandler } from './list-backups/list-backups.handler';
import { ScheduleBackupsHandler } from './schedule-backups/schedule-backups.handler';
import { RunScheduledBackupHandler } from './run-scheduled-backup/run-scheduled-backup.handler';
import { ListTenantsHandler } from './list-tenants/list-tenants.handler';
import { RepairTenantHandler } from './repair-tenant/repair-tenant.handler';
import { ShowTenantHandler } from './show-tenant/show-tenant.handler';
import { TenantLogHandler } from './tenant-log/tenant-log.handler';
import { DeleteTenantHandler } from './delete-tenant/delete-tenant.handler';
import { PurgeExpiredTenantsHandler } from './purge-expired/purge-expired.handler';
import { ResumeTenantHandler } from './resume-tenant/resume-tenant.handler';
import { UndeleteTenantHandler } from './undelete-tenant/undelete-tenant.handler';
import { RotateApiKeyHandler } from './rotate-api-key/rotate-api-key.handler';
import { RotateCredentialsHandler } from './rotate-credentials/rotate-credentials.handler';
import { RevealConnectionHandler } from './reveal-connection/reveal-connection.handler';
import { AddServerHandler } from './add-server/add-server.handler';
import { ListServersHandler } from './list-servers/list-servers.handler';
import { SetServerStateHandler } from './set-server-state/set-server-state.handler';
import { DrainServerHandler } from './drain-server/drain-server.handler';
import { ApplyRebalanceHandler } from './apply-rebalance/apply-rebalance.handler';
import { RemoveServerHandler } from './remove-server/remove-server.handler';
import { PlanRebalanceHandler } from './plan-rebalance/plan-rebalance.handler';
import { SuspendTenantHandler } from './suspend-tenant/suspend-tenant.handler';
import { GetJobHandler } from './get-job/get-job.handler';
import { ChangeModulesHandler } from './change-modules/change-modules.handler';
import { CollectUsageHandler } from './collect-usage/collect-usage.handler';
import { SubmitTenantJobHandler } from './submit-tenant-job/submit-tenant-job.handler';
import { MigrateFleetHandler } from './migrate-fleet/migrate-fleet.handler';
import { DetectDriftHandler } from './detect-drift/detect-drift.handler';
import { SubmitMigrationHandler } from './submit-migration/submit-migration.handler';
import { SubmitFleetJobHandler } from './submit-fleet-job/submit-fleet-job.handler';
import { SetRateLimitHandler } from './set-rate-limit/set-rate-limit.handler';
import { RunNextJobHandler } from './run-next-job/run-next-job.handler';
import { ApplySessionTimeoutsHandler } from './apply-session-timeouts/apply-session-timeouts.handler';
import { RefreshTenantFilesHandler } from './refresh-tenant-files/refresh-tenant-files.handler';
import { IssueTenantCertificatesHandler } from './issue-tenant-certificates/issue-tenant-certificates.handler';
import { SubmitCreateTenantHandler } from './submit-create-tenant/submit-create-tenant.handler';
import { MoveTenantHandler } from './move-tenant/move-tenant.handler';
import { MoveRefusals } from './move-tenant/move-refusals';
import { PurgeKeptCopiesHandler } from './purge-kept-copies/purge-kept-copies.handler';
import { FinishLeftMovesHandler } from './finish-left-moves/finish-left-moves.handler';
import { PurgeReplacedCopyHandler } from './purge-replaced-copy/purge-replaced-copy.handler';

export type TenantsOptions = ProvisioningOptions;

/**
 * The application core shared by both doors (CLI and HTTP): the CQRS commands and
 * queries, one folder per use case, over the provisioning and fleet modules. Needs the
 * platform, modules and registry modules at the root (see KryonixCoreModule).
 */
@Module({})
export class TenantsModule {
  static forRoot(options: TenantsOptions = {}): DynamicModule {
    return {
      module: TenantsModule,
      imports: [CqrsModule.forRoot(), ProvisioningModule.forRoot(options), FleetModule, RoutesModule],
      providers: [
        {
          provide: REDIS_PUBLISHER,
          // ioredis is loaded only when Redis is configured: a short CLI command without it starts lighter.
          useFactory: async (config: KryonixConfig) => {
            if (!config.redisUrl) return undefined;
            const { default: Redis } = await import('ioredis');
            const redis = new Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: true, connectTimeout: 2000, retryStrategy: (n) => Math.min(n * 200, 2000) });
            return watchRedis(redis, new OutageLog(new Logger('events'), 'Redis (tenant events)'));
          },
          inject: [KRYONIX_CONFIG],
        },
        TenantEventsPublisher,
        AuditedCommands,
        CreateTenantHandler,
        OpenConsoleSessionHandler,
        CheckConsoleSessionHandler,
        CloseConsoleSessionHandler,
        BrowseTenantsHandler,
        TenantAuditHandler,
        ListJobsHandler,
        ListMovesHandler,
        PendingVersionsHandler,
        SubmitDriftCheckHandler,
        TenantGaugesHandler,
        BackupTenantHandler,
        RestoreTenantHandler,
        CloneTenantHandler,
        ExportTenantHandler,
        SubmitBackupJobHandler,
        UploadBackupHandler,
        DownloadBackupHandler,
        RepairTenantHandler,
        ListTenantsHandler,
        ShowTenantHandler,
        TenantLogHandler,
        ListModulesHandler,
        ListBackupsHandler,
        ScheduleBackupsHandler,
        RunScheduledBackupHandler,
        SuspendTenantHandler,
        ResumeTenantHandler,
        UndeleteTenantHandler,
        DeleteTenantHandler,
        RotateApiKeyHandler,
        RotateCredentialsHandler,
        RevealConnectionHandler,
        AddServerHandler,
        ListServersHandler,
        SetServerStateHandler,
        DrainServerHandler,
        ApplyRebalanceHandler,
        RemoveServerHandler,
        PlanRebalanceHandler,
        PurgeExpiredTenantsHandler,
        SubmitCreateTenantHandler,
        GetJobHandler,
        RunNextJobHandler,
        ApplySessionTimeoutsHandler,
        IssueTenantCertificatesHandler,
        RefreshTenantFilesHandler,
        ChangeModulesHandler,
        CollectUsageHandler,
        SubmitTenantJobHandler,
        MigrateFleetHandler,
        DetectDriftHandler,
        SubmitMigrationHandler,
        SubmitFleetJobHandler,
        SetRateLimitHandler,
        MoveRefusals,
        MoveLimits,
        MoveTenantHandler,
        PurgeKeptCopiesHandler,
        FinishLeftMovesHandler,
        PurgeReplacedCopyHandler,
      ],
      exports: [ProvisioningModule, FleetModule, AuditedCommands],
    };
  }
}

/** A whole core for one process (the control plane, the CLI in-process, tests, benchmarks): platform, modules, registry and the use cases. */
@Module({})
export class KryonixCoreModule {
  static forRoot(config: KryonixConfig, options: TenantsOptions & PlatformOptions = {}): DynamicModule {
    return {
      module: KryonixCoreModule,
      imports: [PlatformModule.forRoot(config, { gateway: options.gateway }), ModulesModule, RegistryModule, TenantsModule.forRoot(options)],
      exports: [TenantsModule],
    };
  }
}
