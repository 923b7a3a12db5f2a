import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { SHARED_TENANTS_DATABASE } from '@kryonix/domain';
import { TenantServers, assertReplaceName } from '@kryonix/provisioning';
import { PurgeReplacedCopyCommand } from './purge-replaced-copy.command';

/**
 * The replaced copy (no access left since its swap) is dropped: its database, or its
 * schemas in the shared database. Only names a replace makes are dropped (checked
 * again here: the payload is a registry row), never the tenant's live storage. Idempotent.
 */
@CommandHandler(PurgeReplacedCopyCommand)
export class PurgeReplacedCopyHandler implements ICommandHandler<PurgeReplacedCopyCommand, { id: string; purged: string[] }> {
  constructor(private readonly servers: TenantServers) {}

  async execute({ copy }: PurgeReplacedCopyCommand): Promise<{ id: string; purged: string[] }> {
    const server = await this.servers.get(copy.server);
    if (copy.mode === 'database' && copy.database) {
      await server.storage.dropDatabase(server.admin, assertReplaceName(copy.database, 'kept'));
      return { id: copy.id, purged: [copy.database] };
    }
    const schemas = copy.schemas.map((s) => assertReplaceName(s, 'kept'));
    await server.storage.dropSchemas(SHARED_TENANTS_DATABASE, schemas);
    return { id: copy.id, purged: schemas };
  }
}
