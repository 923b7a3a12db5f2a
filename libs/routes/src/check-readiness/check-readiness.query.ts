import { Query } from '@nestjs/cqrs';

export interface Readiness {
  ready: boolean;
  registry: 'ok' | 'unreachable';
  pendingMigrations: string[];
}

export class CheckReadinessQuery extends Query<Readiness> {}
