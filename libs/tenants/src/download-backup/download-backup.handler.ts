import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { KRYONIX_CONFIG, type KryonixConfig } from '@kryonix/platform';
import { BACKUP_FILE_EXTENSION, openBackupById } from '@kryonix/provisioning';
import { BackupDownload, DownloadBackupCommand } from './download-backup.command';

@CommandHandler(DownloadBackupCommand)
export class DownloadBackupHandler implements ICommandHandler<DownloadBackupCommand, BackupDownload> {
  constructor(@Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig) {}

  async execute({ backupId }: DownloadBackupCommand): Promise<BackupDownload> {
    const { id, bytes, handle } = await openBackupById(this.config.backupDir, backupId);
    // the descriptor opened without following a link: what is sent is what was checked
    return { backupId: id, fileName: `${id}${BACKUP_FILE_EXTENSION}`, bytes, stream: handle.createReadStream({ autoClose: true }) };
  }
}
