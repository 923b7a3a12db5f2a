import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import type { Kysely } from 'kysely';
import { RegistryDatabase, pendingRegistryMigrations } from '@kryonix/registry';
import { REGISTRY_DB } from '@kryonix/registry';
import { CheckReadinessQuery, Readiness } from './check-readiness.query';

/** Ready = the registry answers and every registry migration is applied. */
@QueryHandler(CheckReadinessQuery)
export class CheckReadinessHandler implements IQueryHandler<CheckReadinessQuery, Readiness> {
  constructor(@Inject(REGISTRY_DB) private readonly registry: Kysely<RegistryDatabase>) {}

  async execute(): Promise<Readiness> {
    try {
      const pending = await pendingRegistryMigrations(this.registry);
      return { ready: pending.length === 0, registry: 'ok', pendingMigrations: pending };
    } catch {
      return { ready: false, registry: 'unreachable', pendingMigrations: [] };
    }
  }
}
