import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { tenantSchemaName } from '@kryonix/domain';
import { ApiKeyRepository, TenantRepository } from '@kryonix/registry';
import { ResolveRouteQuery, TenantRoute } from './resolve-route.query';

@QueryHandler(ResolveRouteQuery)
export class ResolveRouteHandler implements IQueryHandler<ResolveRouteQuery, TenantRoute | undefined> {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly apiKeys: ApiKeyRepository,
  ) {}

  async execute({ id }: ResolveRouteQuery): Promise<TenantRoute | undefined> {
    const [tenant, keyHashes] = await Promise.all([this.tenants.findById(id), this.apiKeys.validHashes(id)]);
    if (!tenant) return undefined;
    return {
      id: tenant.id,
      server: tenant.serverName,
      status: tenant.status,
      mode: tenant.mode,
      database: tenant.databaseName,
      role: tenant.roleName,
      schemas: Object.fromEntries(tenant.modules.map((m) => [m, tenantSchemaName(tenant.id, tenant.mode, m)])),
      keyHashes,
      rateLimitPerMinute: tenant.rateLimitPerMinute,
    };
  }
}
