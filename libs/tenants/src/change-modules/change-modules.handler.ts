import { Inject } from '@nestjs/common';
import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { tenantSchemaName } from '@kryonix/domain';
import { ModuleCatalog } from '@kryonix/modules';
import { KRYONIX_CONFIG, type KryonixConfig, tenantUrl } from '@kryonix/platform';
import { GeneratedFiles, TenantOperations, tenantFileModel } from '@kryonix/provisioning';
import { ModuleLedgerRepository, TenantRepository } from '@kryonix/registry';
import { TenantModulesChangedEvent } from '../events/tenant-lifecycle.events';
import { ChangeModulesCommand, ModulesChange } from './change-modules.command';

/**
 * Sets the tenant's modules to the wanted set. Added modules get their schemas and
 * migrations (dependencies first) and grants; removed ones are detached (the role loses
 * access, the data stays) or, with `purge`, dropped. Re-adding a detached module
 * re-attaches its kept schema.
 */
@CommandHandler(ChangeModulesCommand)
export class ChangeModulesHandler implements ICommandHandler<ChangeModulesCommand, ModulesChange> {
  constructor(
    private readonly operations: TenantOperations,
    private readonly catalog: ModuleCatalog,
    private readonly files: GeneratedFiles,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
    private readonly events: EventBus,
  ) {}

  async execute({ id, modules, purge }: ChangeModulesCommand): Promise<ModulesChange> {
    const next = this.catalog.resolve(modules);
    const result = await this.operations.run(id, 'change_modules', ['active', 'suspended'], async (admin, t, server): Promise<ModulesChange> => {
      const nextNames = next.map((m) => m.name);
      const added = next.filter((m) => !t.modules.includes(m.name));
      const removed = t.modules.filter((m) => !nextNames.includes(m));
      const schemaOf = (module: string) => tenantSchemaName(t.id, t.mode, module);
      const ledger = new ModuleLedgerRepository(admin);
      if (added.length) {
        const present = new Set(await server.storage.existingSchemasIn(t.databaseName, added.map((m) => schemaOf(m.name))));
        const fresh = added.filter((m) => !present.has(schemaOf(m.name)));
        if (fresh.length) await server.storage.createModuleSchemas(t.databaseName, fresh.map((module) => ({ module, schema: schemaOf(module.name) })), t.roleName);
        await server.storage.grantAccess(t.databaseName, t.roleName, added.map((m) => schemaOf(m.name)));
        await ledger.record(t.id, fresh.flatMap((m) => m.migrations.map((mig) => ({ module: m.name, version: mig.version, name: mig.name, checksum: mig.checksum }))));
      }
      if (removed.length) {
        await server.storage.revokeAccess(server.admin, t.databaseName, t.roleName, removed.map(schemaOf), { database: false });
        if (purge) {
          await server.storage.dropSchemas(t.databaseName, removed.map(schemaOf));
          for (const m of removed) await ledger.deleteFor(t.id, m);
        }
      }
      await new TenantRepository(admin).setModules(t.id, nextNames);
      await this.files.write(tenantFileModel({ id: t.id, database: t.databaseName, role: t.roleName, mode: t.mode, modules: nextNames }, tenantUrl(this.config, t.id)));
      return { id: t.id, modules: nextNames, added: added.map((m) => m.name), removed, purged: purge ? removed : [] };
    });
    this.events.publish(new TenantModulesChangedEvent(result.id, result.modules));
    return result;
  }
}
