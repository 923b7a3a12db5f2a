import { Global, Module } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { CONTROL_DB } from '@kryonix/platform';
import { ApiKeyRepository } from './api-key.repository';
import { AuditRepository } from './audit.repository';
import type { RegistryDatabase } from './database';
import { JobRepository } from './job.repository';
import { migrateRegistry } from './migrations/registry-migrator';
import { ModuleLedgerRepository } from './module-ledger.repository';
import { ProvisioningLogRepository } from './provisioning-log.repository';
import { TenantRepository } from './tenant.repository';
import { ServerRecordRepository } from './server-record.repository';
import { MoveRepository } from './move.repository';
import { ConsoleSessionRepository } from './console-session.repository';
import { TenantEventsRepository } from './tenant-events.repository';
import { REGISTRY_DB } from './tokens';
import { ServerDirectory } from './server-directory';

type Registry = Kysely<RegistryDatabase>;
const REPOSITORIES = [TenantRepository, ApiKeyRepository, ModuleLedgerRepository, ProvisioningLogRepository, AuditRepository, JobRepository, TenantEventsRepository, ServerRecordRepository, MoveRepository, ConsoleSessionRepository] as const;

/**
 * The registry (tenant_management in the control database), migrated when the process
 * starts, and its repositories. Global: use cases inject the repositories they use.
 */
@Global()
@Module({
  providers: [
    {
      provide: REGISTRY_DB,
      useFactory: async (control: Kysely<unknown>): Promise<Registry> => {
        await migrateRegistry(control as Registry);
        return control as Registry;
      },
      inject: [CONTROL_DB],
    },
    ...REPOSITORIES.map((repository) => ({ provide: repository, useFactory: (db: Registry) => new repository(db), inject: [REGISTRY_DB] })),
    ServerDirectory,
  ],
  exports: [REGISTRY_DB, ...REPOSITORIES, ServerDirectory],
})
export class RegistryModule {}
