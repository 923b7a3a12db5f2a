import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Unavailable, validateServerName } from '@kryonix/domain';
import { KRYONIX_CONFIG, type KryonixConfig, ServerRepository, within } from '@kryonix/platform';
import { ServerDirectory, ServerRecord, ServerRecordRepository } from '@kryonix/registry';
import { ListServersQuery, ServerSummary } from './list-servers.query';

@QueryHandler(ListServersQuery)
export class ListServersHandler implements IQueryHandler<ListServersQuery, ServerSummary[]> {
  constructor(
    private readonly records: ServerRecordRepository,
    private readonly directory: ServerDirectory,
    private readonly servers: ServerRepository,
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
    try {
      const usage = await within(this.servers.usage(this.directory.adminDb(record)), this.config.acquireTimeoutMs, () => new Unavailable(`Server "${record.name}" did not answer within ${this.config.acquireTimeoutMs} ms.`));
      return { ...base, reachable: true, ...usage, error: null };
    } catch (error) {
      return { ...base, reachable: false, storageBytes: null, connections: null, error: (error as Error).message || (error as { code?: string }).code || 'unreachable' };
    }
  }
}
