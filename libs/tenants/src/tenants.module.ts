import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { KryonixRuntime, ModuleCatalog, Provisioner } from '@kryonix/provisioning';
import { ApiKeyRepository, ModuleLedgerRepository, ProvisioningLogRepository, TenantRepository } from '@kryonix/registry';
import { CreateTenantHandler } from './create-tenant/create-tenant.handler';
import { ListModulesHandler } from './list-modules/list-modules.handler';
import { ListTenantsHandler } from './list-tenants/list-tenants.handler';
import { RepairTenantHandler } from './repair-tenant/repair-tenant.handler';
import { ShowTenantHandler } from './show-tenant/show-tenant.handler';
import { TenantLogHandler } from './tenant-log/tenant-log.handler';
import { KRYONIX_CONFIG } from './tokens';

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
        { provide: Provisioner, useValue: runtime.provisioner },
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
      ],
    };
  }
}
