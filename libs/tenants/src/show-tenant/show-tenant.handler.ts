import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { TenantNotFound, tenantSchemaName, validateTenantId } from '@kryonix/domain';
import type { KryonixConfig } from '@kryonix/platform';
import type { CutOverSteps } from '@kryonix/domain';
import { TenantMetricsRepository, TenantServers } from '@kryonix/provisioning';
import { ApiKeyRepository, ModuleLedgerRepository, MoveRecord, MoveRepository, TenantRepository } from '@kryonix/registry';
import { ShowTenantQuery, TenantDetails, TenantMoveSummary } from './show-tenant.query';
import { KRYONIX_CONFIG, tenantUrl } from '@kryonix/platform';

@QueryHandler(ShowTenantQuery)
export class ShowTenantHandler implements IQueryHandler<ShowTenantQuery, TenantDetails> {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly ledger: ModuleLedgerRepository,
    private readonly apiKeys: ApiKeyRepository,
    private readonly moves: MoveRepository,
    private readonly metrics: TenantMetricsRepository,
    private readonly servers: TenantServers,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {}

  async execute({ id }: ShowTenantQuery): Promise<TenantDetails> {
    const tenant = await this.tenants.findById(validateTenantId(id));
    if (!tenant) throw new TenantNotFound(id);
    const { rolePasswordEnc: _secret, ...rest } = tenant;
    const schemas = tenant.modules.map((m) => tenantSchemaName(tenant.id, tenant.mode, m));
    const [migrations, apiKeys, moves, usage] = await Promise.all([
      this.ledger.listFor(tenant.id),
      this.apiKeys.listFor(tenant.id),
      this.moves.listFor(tenant.id),
      this.servers.get(tenant.serverName).then((server) => this.metrics.usage(server, [{ id: tenant.id, mode: tenant.mode, databaseName: tenant.databaseName, roleName: tenant.roleName, schemas }])),
    ]);
    return {
      ...rest,
      schemas,
      storage: { usedBytes: usage[0]?.storageBytes ?? 0, quotaBytes: this.config.storageQuotaBytes },
      url: tenantUrl(this.config, tenant.subdomain),
      migrations,
      apiKeys,
      moves: moves.map(moveSummary),
    };
  }
}

const MOVE_PHASES = ['prepare_target', 'copy', 'cut_over', 'verify', 'clean_up'] as const;

/** A move row as `tenant show` lists it: each phase's duration from what the mover recorded of it. */
function moveSummary(move: MoveRecord): TenantMoveSummary {
  const phases = MOVE_PHASES.flatMap((phase) => {
    const recorded = move.details[phase] as { durationMs?: unknown } | undefined;
    return typeof recorded?.durationMs === 'number' ? [{ phase, durationMs: recorded.durationMs }] : [];
  });
  const cutOver = (move.details.cut_over as { steps?: CutOverSteps } | undefined)?.steps ?? (move.details.cutOverAbandoned as Array<{ steps: CutOverSteps }> | undefined)?.at(-1)?.steps ?? null;
  return { id: move.id, from: move.source, to: move.target, state: move.phase, phases, attempts: move.attempts, cutOver, error: move.error, startedAt: move.createdAt, finishedAt: move.finishedAt };
}
