import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { TenantRepository } from '@kryonix/registry';
import { ListTenantsQuery, TenantSummary } from './list-tenants.query';

@QueryHandler(ListTenantsQuery)
export class ListTenantsHandler implements IQueryHandler<ListTenantsQuery, TenantSummary[]> {
  constructor(private readonly tenants: TenantRepository) {}

  async execute({ filter }: ListTenantsQuery): Promise<TenantSummary[]> {
    // The encrypted password never leaves the registry layer through a query.
    return (await this.tenants.list(filter)).map(({ rolePasswordEnc: _secret, ...rest }) => rest);
  }
}
