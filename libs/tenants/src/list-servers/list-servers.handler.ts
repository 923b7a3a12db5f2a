import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { validateServerName } from '@kryonix/domain';
import { KRYONIX_CONFIG, type KryonixConfig } from '@kryonix/platform';
import { TenantServers } from '@kryonix/provisioning';
import { ServerDirectory, ServerRecord, ServerRecordRepository } from '@kryonix/registry';
import { ListServersQuery, ServerSummary } from './list-servers.query';

@QueryHandler(ListServersQuery)
export class ListServersHandler implements IQueryHandler<ListServersQuery, ServerSummary[]> {
  constructor(
    private readonly records: ServerRecordRepository,
    private readonly directory: ServerDirectory,
    private readonly servers: TenantServers,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {}

  async execute({ name }: ListServersQuery): Promise<ServerSummary[]> {
    const records = name ? [await this.directory.record(validateServerName(name))] : await this.records.list();
    const counts = await this.records.tenantCounts();
    return Promise.all(records.map((r) => this.summary(r, counts.get(r.name) ?? 0)));
  }

  private async summary(record: ServerRecord, tenants: number): Promise<ServerSummary> {
    const { adminUrlEnc: _admin, replicationUrlEnc, ...rest } = record;
    const url = new URL(this.directory.adminUrl(record));
    const base = { ...rest, address: `${url.hostname}:${url.port || 5432}`, hasReplicationUrl: replicationUrlEnc !== null, tenants };
    const usage = await this.servers.usageNow(record.name, this.config.acquireTimeoutMs);
    if ('error' in usage) return { ...base, reachable: false, storageBytes: null, connections: null, error: usage.error };
    return { ...base, reachable: true, ...usage, error: null };
  }
}
