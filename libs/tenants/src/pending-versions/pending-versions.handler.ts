import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ModuleCatalog } from '@kryonix/modules';
import { ModuleLedgerRepository } from '@kryonix/registry';
import { PendingVersion, PendingVersionsQuery } from './pending-versions.query';

@QueryHandler(PendingVersionsQuery)
export class PendingVersionsHandler implements IQueryHandler<PendingVersionsQuery, PendingVersion[]> {
  constructor(
    private readonly catalog: ModuleCatalog,
    private readonly ledger: ModuleLedgerRepository,
  ) {}

  async execute(): Promise<PendingVersion[]> {
    const latest = Object.fromEntries(this.catalog.list().map((m) => [m.name, m.version]));
    return (await this.ledger.behind(latest)).map((row) => ({ module: row.module, version: latest[row.module]!, tenants: row.tenants }));
  }
}
