import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { basename, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { KRYONIX_CONFIG, type KryonixConfig, SecretBox } from '@kryonix/platform';
import { TenantBackups, TenantOperations } from '@kryonix/provisioning';
import { ModuleLedgerRepository } from '@kryonix/registry';
import { BackupResult, BackupTenantCommand } from './backup-tenant.command';
import { backupKey } from './backup-key';
import { backupFileId } from './backup-file-name';

export const BACKUP_EXTENSION = '.kxbackup';

@CommandHandler(BackupTenantCommand)
export class BackupTenantHandler implements ICommandHandler<BackupTenantCommand, BackupResult> {
  constructor(
    private readonly operations: TenantOperations,
    private readonly backups: TenantBackups,
    private readonly secrets: SecretBox,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {}

  async execute({ input, onTable }: BackupTenantCommand): Promise<BackupResult> {
    const key = backupKey(this.secrets, input.passphrase);
    const started = performance.now();
    // under the tenant's lock: its modules cannot change while it is read; its traffic goes on
    return this.operations.run(input.id, 'backup', ['active', 'suspended'], async (admin, tenant, server) => {
      const ledger = await new ModuleLedgerRepository(admin).listFor(tenant.id);
      // named after the snapshot's time, as an upload of this file is named again
      const fileOf = (manifest: { createdAt: string }) => (input.out ? resolve(input.out) : join(this.config.backupDir, `${backupFileId(tenant.id, new Date(manifest.createdAt))}${BACKUP_EXTENSION}`));
      const tables: BackupResult['tables'] = [];
      const { bytes, manifest, file } = await this.backups.read(
        tenant,
        server,
        ledger,
        async (manifest, records) => ({ manifest, file: fileOf(manifest), bytes: await this.backups.writeFile(fileOf(manifest), records, key, { tenant: tenant.id, createdAt: manifest.createdAt }) }),
        (progress) => {
          tables.push({ table: progress.table, rows: progress.rows, sha256: progress.sha256 });
          onTable?.(progress);
        },
      );
      return {
        backupId: basename(file).replace(/\.kxbackup$/, ''),
        file,
        bytes,
        tenant: tenant.id,
        server: server.name,
        encryption: key.kind === 'master' ? 'master-key' : 'passphrase',
        createdAt: manifest.createdAt,
        modules: Object.fromEntries(manifest.modules.map((m) => [m.name, m.version])),
        tables,
        rows: tables.reduce((n, t) => n + t.rows, 0),
        durationMs: performance.now() - started,
      };
    });
  }
}
