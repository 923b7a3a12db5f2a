import { DynamicModule, Logger, Module } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { ModuleCatalog } from '@kryonix/modules';
import { DatabaseConnector, KRYONIX_CONFIG, type KryonixConfig, SecretBox, ServerRepository, sessionTimeouts, tenantUrl, backupScheduleOf } from '@kryonix/platform';
import { REGISTRY_DB, type RegistryDatabase, ServerDirectory } from '@kryonix/registry';
import { TenantServers } from './tenant-servers';
import { GeneratedFiles, backupAlertSeconds } from './generated-files';
import { BackupCatalog } from './backup/backup-catalog';
import { TenantCertificates } from './tenant-certificates';
import { TenantOperations } from './tenant-operations';
import { Provisioner } from './provisioner';
import { TenantMetricsRepository } from './tenant-metrics.repository';
import { TenantStorageRepository } from './tenant-storage.repository';
import { TenantBackups } from './backup/tenant-backups';
import { TenantExports } from './export/tenant-exports';

export interface ProvisioningOptions {
  /** Warm spares per mode and module set (long-lived processes: the control plane); 0 = none made here. */
  warmDatabases?: number;
  onBackgroundError?: (error: unknown) => void;
}

/** The SQL that shapes tenants' PostgreSQL objects (and reads their usage): shared by provisioning and the fleet. */
@Module({
  providers: [
    {
      provide: TenantStorageRepository,
      useFactory: (connector: DatabaseConnector, servers: ServerRepository, config: KryonixConfig) =>
        new TenantStorageRepository(connector, servers, sessionTimeouts(config)),
      inject: [DatabaseConnector, ServerRepository, KRYONIX_CONFIG],
    },
    { provide: TenantMetricsRepository, useValue: new TenantMetricsRepository() },
    {
      provide: TenantServers,
      useFactory: (directory: ServerDirectory, registry: Kysely<RegistryDatabase>, connector: DatabaseConnector, storage: TenantStorageRepository, servers: ServerRepository, config: KryonixConfig) =>
        new TenantServers(directory, registry, connector, storage, servers, sessionTimeouts(config)),
      inject: [ServerDirectory, REGISTRY_DB, DatabaseConnector, TenantStorageRepository, ServerRepository, KRYONIX_CONFIG],
    },
  ],
  exports: [TenantStorageRepository, TenantMetricsRepository, TenantServers],
})
export class TenantStorageModule {}

/** Making and changing tenants: the provisioner, how a change to one tenant runs, the generated files and leaf certificates. */
@Module({})
export class ProvisioningModule {
  static forRoot(options: ProvisioningOptions = {}): DynamicModule {
    const onBackgroundError = options.onBackgroundError ?? ((error: unknown) => new Logger('provisioning').warn(`could not make a warm spare (the next create clones or replays instead): ${String(error)}`));
    return {
      module: ProvisioningModule,
      imports: [TenantStorageModule],
      providers: [
        { provide: GeneratedFiles, useFactory: (config: KryonixConfig) => new GeneratedFiles(config.templatesDir, config.outputDir, () => backupAlertSeconds(backupScheduleOf(config))), inject: [KRYONIX_CONFIG] },
        { provide: TenantCertificates, useFactory: (config: KryonixConfig) => new TenantCertificates(config), inject: [KRYONIX_CONFIG] },
        {
          provide: Provisioner,
          useFactory: (config: KryonixConfig, registry: Kysely<RegistryDatabase>, connector: DatabaseConnector, storage: TenantStorageRepository, catalog: ModuleCatalog, secrets: SecretBox, files: GeneratedFiles, certificates: TenantCertificates, servers: TenantServers) =>
            new Provisioner({
              registry,
              connector,
              storage,
              servers,
              acquireTimeoutMs: config.acquireTimeoutMs,
              catalog,
              secrets,
              files,
              certificates,
              tenantUrl: (id: string) => tenantUrl(config, id),
              failpoints: config.failpoints,
              warmDatabases: options.warmDatabases,
              modulesDir: config.modulesDir,
              onBackgroundError,
            }),
          inject: [KRYONIX_CONFIG, REGISTRY_DB, DatabaseConnector, TenantStorageRepository, ModuleCatalog, SecretBox, GeneratedFiles, TenantCertificates, TenantServers],
        },
        { provide: TenantBackups, useFactory: (config: KryonixConfig) => new TenantBackups({ restoreJobs: config.restoreJobs }), inject: [KRYONIX_CONFIG] },
        { provide: TenantExports, useValue: new TenantExports() },
        { provide: BackupCatalog, useFactory: (config: KryonixConfig) => new BackupCatalog(config.backupDir), inject: [KRYONIX_CONFIG] },
        { provide: TenantOperations, useFactory: (registry: Kysely<RegistryDatabase>, servers: TenantServers) => new TenantOperations(registry, servers), inject: [REGISTRY_DB, TenantServers] },
      ],
      exports: [TenantStorageModule, GeneratedFiles, TenantCertificates, Provisioner, TenantOperations, TenantBackups, TenantExports, BackupCatalog],
    };
  }
}
