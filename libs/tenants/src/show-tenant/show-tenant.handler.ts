import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { TenantNotFound, tenantSchemaName, validateTenantId } from '@kryonix/domain';
import type { KryonixConfig } from '@kryonix/platform';
import { TenantMetricsRepository, TenantServers } from '@kryonix/provisioning';
import { ApiKeyRepository, ModuleLedgerRepository, TenantRepository } from '@kryonix/registry';
import { ShowTenantQuery, TenantDetails } from './show-tenant.query';
import { KRYONIX_CONFIG, tenantUrl } from '@kryonix/platform';

@QueryHandler(ShowTenantQuery)
export class ShowTenantHandler implements IQueryHandler<ShowTenantQuery, TenantDetails> {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly ledger: ModuleLedgerRepository,
    private readonly apiKeys: ApiKeyRepository,
    private readonly metrics: TenantMetricsRepository,
    private readonly servers: TenantServers,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {}

  async execute({ id }: ShowTenantQuery): Promise<TenantDetails> {
    const tenant = await this.tenants.findById(validateTenantId(id));
    if (!tenant) throw new TenantNotFound(id);
    const { rolePasswordEnc: _secret, ...rest } = tenant;
    const schemas = tenant.modules.map((m) => tenantSchemaName(tenant.id, tenant.mode, m));
    const [migrations, apiKeys, usage] = await Promise.all([
      this.ledger.listFor(tenant.id),
      this.apiKeys.listFor(tenant.id),
      this.servers.get(tenant.serverName).then((server) => this.metrics.usage(server, [{ id: tenant.id, mode: tenant.mode, databaseName: tenant.databaseName, roleName: tenant.roleName, schemas }])),
    ]);
    return {
      ...rest,
      schemas,
      storage: { usedBytes: usage[0]?.storageBytes ?? 0, quotaBytes: this.config.storageQuotaBytes },
      url: tenantUrl(this.config, tenant.subdomain),
      migrations,
      apiKeys,
    };
  }
}
