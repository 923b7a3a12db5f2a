import { Inject } from '@nestjs/common';
import { KRYONIX_CONFIG, type KryonixConfig, within } from '@kryonix/platform';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import type { Kysely } from 'kysely';
import { RegistryDatabase, pendingRegistryMigrations } from '@kryonix/registry';
import { REGISTRY_DB } from '@kryonix/registry';
import { CheckReadinessQuery, Readiness } from './check-readiness.query';

/** Ready = the registry answers (in time) and every registry migration is applied. */
@QueryHandler(CheckReadinessQuery)
export class CheckReadinessHandler implements IQueryHandler<CheckReadinessQuery, Readiness> {
  constructor(
    @Inject(REGISTRY_DB) private readonly registry: Kysely<RegistryDatabase>,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {}

  /** Answers within KRYONIX_ACQUIRE_TIMEOUT_MS even when the server does not: then "unreachable". */
  async execute(): Promise<Readiness> {
    try {
      const pending = await within(pendingRegistryMigrations(this.registry), this.config.acquireTimeoutMs, () => new Error('registry read timed out'));
      return { ready: pending.length === 0, registry: 'ok', pendingMigrations: pending };
    } catch {
      return { ready: false, registry: 'unreachable', pendingMigrations: [] };
    }
  }
}
