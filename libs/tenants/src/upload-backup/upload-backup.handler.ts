import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { BackupUnreadable, TENANT_ID_PATTERN } from '@kryonix/domain';
import { KRYONIX_CONFIG, type KryonixConfig, SecretBox } from '@kryonix/platform';
import { type BackupManifest, TenantBackups, receiveUpload } from '@kryonix/provisioning';
import { backupKey } from '../backup-tenant/backup-key';
import { backupFileId } from '../backup-tenant/backup-file-name';
import { UploadBackupCommand, UploadedBackup } from './upload-backup.command';

@CommandHandler(UploadBackupCommand)
export class UploadBackupHandler implements ICommandHandler<UploadBackupCommand, UploadedBackup> {
  constructor(
    private readonly backups: TenantBackups,
    private readonly secrets: SecretBox,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {}

  async execute({ body, passphrase, declaredBytes }: UploadBackupCommand): Promise<UploadedBackup> {
    const key = backupKey(this.secrets, passphrase);
    const upload = await receiveUpload(this.config.backupDir, body, this.config.backupUploadMaxBytes, declaredBytes);
    let kept: { id: string; existing: boolean };
    let manifest: BackupManifest;
    try {
      manifest = await this.backups.verifyFile(upload.path, key);
      const createdAt = new Date(manifest.createdAt);
      if (!TENANT_ID_PATTERN.test(String(manifest.tenant.id)) || Number.isNaN(createdAt.getTime())) throw new BackupUnreadable('format', "The backup's manifest does not name a tenant id and a time this Kryonix reads.");
      kept = await upload.keepAs(backupFileId(manifest.tenant.id, createdAt));
    } finally {
      await upload.discard();
    }
    return {
      backupId: kept.id,
      bytes: upload.bytes,
      sha256: upload.sha256,
      tenant: manifest.tenant.id,
      createdAt: manifest.createdAt,
      encryption: key.kind === 'master' ? 'master-key' : 'passphrase',
      existing: kept.existing,
    };
  }
}
