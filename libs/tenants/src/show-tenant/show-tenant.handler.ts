import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { TenantNotFound, tenantSchemaName, validateTenantId } from '@kryonix/domain';
import type { KryonixConfig } from '@kryonix/platform';
import { ApiKeyRepository, ModuleLedgerRepository, TenantRepository } from '@kryonix/registry';
import { ShowTenantQuery, TenantDetails } from './show-tenant.query';
import { KRYONIX_CONFIG } from '@kryonix/platform';

@QueryHandler(ShowTenantQuery)
export class ShowTenantHandler implements IQueryHandler<ShowTenantQuery, TenantDetails> {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly ledger: ModuleLedgerRepository,
    private readonly apiKeys: ApiKeyRepository,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {}

  async execute({ id }: ShowTenantQuery): Promise<TenantDetails> {
    const tenant = await this.tenants.findById(validateTenantId(id));
    if (!tenant) throw new TenantNotFound(id);
    const { rolePasswordEnc: _secret, ...rest } = tenant;
    const [migrations, apiKeys] = await Promise.all([this.ledger.listFor(tenant.id), this.apiKeys.listFor(tenant.id)]);
    return {
      ...rest,
      schemas: tenant.modules.map((m) => tenantSchemaName(tenant.id, tenant.mode, m)),
      url: `https://${tenant.subdomain}.${this.config.baseDomain}`,
      migrations,
      apiKeys,
    };
  }
}
