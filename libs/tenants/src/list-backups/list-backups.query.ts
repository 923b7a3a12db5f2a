import { Query } from '@nestjs/cqrs';
import type { BackupEntry } from '@kryonix/provisioning';

export type { BackupEntry };

/**
 * The backups in KRYONIX_BACKUP_DIR, newest first within each tenant, as their headers
 * tell without a key; files that are damaged or not backups are listed as such. With a
 * tenant: only its backups (also of a tenant that is gone: its backups outlive it).
 */
export class ListBackupsQuery extends Query<BackupEntry[]> {
  constructor(readonly tenant?: string) {
    super();
  }
}
