import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ModuleCatalog } from '@kryonix/modules';
import { ListModulesQuery, ModuleSummary } from './list-modules.query';

@QueryHandler(ListModulesQuery)
export class ListModulesHandler implements IQueryHandler<ListModulesQuery, ModuleSummary[]> {
  constructor(private readonly catalog: ModuleCatalog) {}

  async execute(): Promise<ModuleSummary[]> {
    return this.catalog.list().map(({ name, title, description, version, dependencies, tables }) => ({ name, title, description, version, dependencies, tables }));
  }
}
