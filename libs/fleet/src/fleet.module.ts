import { Module } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { ModuleCatalog } from '@kryonix/modules';
import { DatabaseConnector, KRYONIX_CONFIG, type KryonixConfig, SecretBox } from '@kryonix/platform';
import { TenantServers, TenantStorageModule, TenantStorageRepository } from '@kryonix/provisioning';
import { REGISTRY_DB, type RegistryDatabase, ServerDirectory } from '@kryonix/registry';
import { DriftDetector } from './drift-detector';
import { FleetMigrator } from './fleet-migrator';
import { TenantMover } from './moves/tenant-mover';

/** Work over the whole fleet: migrations to new module versions, drift detection, tenant moves between servers. */
@Module({
  imports: [TenantStorageModule],
  providers: [
    {
      provide: FleetMigrator,
      useFactory: (registry: Kysely<RegistryDatabase>, servers: TenantServers, catalog: ModuleCatalog) => new FleetMigrator(registry, servers, catalog),
      inject: [REGISTRY_DB, TenantServers, ModuleCatalog],
    },
    {
      provide: DriftDetector,
      useFactory: (registry: Kysely<RegistryDatabase>, connector: DatabaseConnector, storage: TenantStorageRepository, catalog: ModuleCatalog, servers: TenantServers) => new DriftDetector(registry, connector, storage, catalog, servers),
      inject: [REGISTRY_DB, DatabaseConnector, TenantStorageRepository, ModuleCatalog, TenantServers],
    },
    {
      provide: TenantMover,
      useFactory: (registry: Kysely<RegistryDatabase>, servers: TenantServers, directory: ServerDirectory, catalog: ModuleCatalog, secrets: SecretBox, config: KryonixConfig) =>
        new TenantMover(registry, servers, directory, catalog, secrets, { maxPauseMs: config.moveMaxPauseMs, keepMs: config.moveKeepMs, copyTimeoutMs: config.moveCopyTimeoutMs, progressMs: config.moveProgressMs, failpoints: config.failpoints }),
      inject: [REGISTRY_DB, TenantServers, ServerDirectory, ModuleCatalog, SecretBox, KRYONIX_CONFIG],
    },
  ],
  exports: [FleetMigrator, DriftDetector, TenantMover],
})
export class FleetModule {}
