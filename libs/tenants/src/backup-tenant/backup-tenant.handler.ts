import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { access } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { KRYONIX_CONFIG, type KryonixConfig, SecretBox } from '@kryonix/platform';
import { BACKUP_EXTENSION, TenantBackups, TenantOperations, formatBackupModules } from '@kryonix/provisioning';
import { ModuleLedgerRepository } from '@kryonix/registry';
import { BackupResult, BackupTenantCommand } from './backup-tenant.command';
import { backupKey } from './backup-key';
import { backupFileId } from './backup-file-name';

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
      const fileOf = async (manifest: { createdAt: string }) => (input.out ? resolve(input.out) : await this.freeName(tenant.id, new Date(manifest.createdAt)));
      const tables: BackupResult['tables'] = [];
      const { bytes, manifest, file } = await this.backups.read(
        tenant,
        server,
        ledger,
        async (manifest, records) => {
          const file = await fileOf(manifest);
          // readable without the key (the catalogue, `backup list`): whose, when, what, made by whom
          const bytes = await this.backups.writeFile(file, records, key, {
            tenant: tenant.id,
            createdAt: manifest.createdAt,
            modules: formatBackupModules(manifest.modules),
            trigger: input.scheduledFor === undefined ? 'manual' : 'schedule',
            ...(input.scheduledFor === undefined ? {} : { scheduledFor: input.scheduledFor }),
          });
          return { manifest, file, bytes };
        },
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

  /**
   * `<KRYONIX_BACKUP_DIR>/<id>-<UTC time>.kxbackup`, a second later while that name is taken
   * (two backups of a tenant within one second: a schedule and a manual one), so that none
   * replaces another. Called under the tenant's lock: no other backup of it picks a name meanwhile.
   */
  private async freeName(id: string, taken: Date): Promise<string> {
    for (let at = taken.getTime(); ; at += 1000) {
      const file = join(this.config.backupDir, `${backupFileId(id, new Date(at))}${BACKUP_EXTENSION}`);
      if (!(await exists(file))) return file;
    }
  }
}

const exists = (path: string) => access(path).then(() => true, () => false);
