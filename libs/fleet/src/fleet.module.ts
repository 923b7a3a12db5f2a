import { Module } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { ModuleCatalog } from '@kryonix/modules';
import { DatabaseConnector } from '@kryonix/platform';
import { TenantServers, TenantStorageModule, TenantStorageRepository } from '@kryonix/provisioning';
import { REGISTRY_DB, type RegistryDatabase } from '@kryonix/registry';
import { DriftDetector } from './drift-detector';
import { FleetMigrator } from './fleet-migrator';

/** Work over the whole fleet: migrations to new module versions, drift detection. */
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
  ],
  exports: [FleetMigrator, DriftDetector],
})
export class FleetModule {}
