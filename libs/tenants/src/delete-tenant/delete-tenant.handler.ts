import { Inject } from '@nestjs/common';
import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import type { Kysely } from 'kysely';
import { SHARED_TENANTS_DATABASE, TenantNotFound, TenantStatus, tenantSchemaName } from '@kryonix/domain';
import { ModuleCatalog } from '@kryonix/modules';
import { KRYONIX_CONFIG, type KryonixConfig } from '@kryonix/platform';
import { GeneratedFiles, TenantCertificates, TenantOperations, type TenantServer } from '@kryonix/provisioning';
import { RegistryDatabase, TenantRecord, TenantRepository } from '@kryonix/registry';
import { TenantDeletedEvent } from '../events/tenant-lifecycle.events';
import { DeleteTenantCommand, DeletionResult } from './delete-tenant.command';

@CommandHandler(DeleteTenantCommand)
export class DeleteTenantHandler implements ICommandHandler<DeleteTenantCommand, DeletionResult> {
  constructor(
    private readonly operations: TenantOperations,
    private readonly catalog: ModuleCatalog,
    private readonly files: GeneratedFiles,
    private readonly certificates: TenantCertificates,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
    private readonly events: EventBus,
  ) {}

  async execute({ id, purge, createdAt }: DeleteTenantCommand): Promise<DeletionResult> {
    const allowed: TenantStatus[] = purge ? ['active', 'suspended', 'deleting', 'provisioning'] : ['active', 'suspended', 'deleting'];
    const result = await this.operations.run(id, purge ? 'purge' : 'delete', allowed, async (admin, t, server): Promise<DeletionResult> => {
      // A purge queued for an earlier tenant with this id never touches a newer one.
      if (createdAt && t.createdAt.toISOString() !== createdAt) throw new TenantNotFound(t.id);
      if (purge) {
        await this.purge(admin, t, server);
        return { id: t.id, status: 'purged' };
      }
      if (await server.storage.roleExists(server.admin, t.roleName)) await server.storage.setLogin(server.admin, t.roleName, false);
      const purgeAfter = t.status === 'deleting' && t.purgeAfter ? t.purgeAfter : await new TenantRepository(admin).markDeleting(t.id, this.config.deleteGraceMs);
      return { id: t.id, status: 'deleting', purgeAfter };
    });
    this.events.publish(new TenantDeletedEvent(result.id, result.status === 'purged'));
    return result;
  }

  /** Drops storage, role, files and leaf certificate, then the registry row: each step idempotent, the row last. */
  private async purge(admin: Kysely<RegistryDatabase>, t: TenantRecord, server: TenantServer): Promise<void> {
    if (t.mode === 'database') {
      await server.storage.dropDatabase(server.admin, t.databaseName);
      await server.storage.dropRole(server.admin, t.roleName, []);
    } else {
      // Every module's schema, detached ones included: a later tenant with this id must start empty.
      await server.storage.dropSchemas(SHARED_TENANTS_DATABASE, this.catalog.names().map((m) => tenantSchemaName(t.id, t.mode, m)));
      await server.storage.dropRole(server.admin, t.roleName, [SHARED_TENANTS_DATABASE]);
    }
    await this.files.remove(t.id);
    await this.certificates.remove(t.id);
    await new TenantRepository(admin).delete(t.id);
  }
}
