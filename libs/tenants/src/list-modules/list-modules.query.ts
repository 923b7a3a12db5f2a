import { Query } from '@nestjs/cqrs';

export interface ModuleSummary {
  name: string;
  title: string;
  description?: string;
  version: number;
  dependencies: string[];
  tables: Record<string, { primaryKey: string; filterable: string[] }>;
}

export class ListModulesQuery extends Query<ModuleSummary[]> {}
