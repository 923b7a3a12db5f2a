import { Query } from '@nestjs/cqrs';
import type { BackupEntry } from '@kryonix/provisioning';

export type { BackupEntry };

export interface BackupFilter {
  /** Only this tenant's backups (also of a tenant that is gone: its backups outlive it). */
  tenant?: string;
  /** Only this backup (NotFound when it is not in the folder). */
  id?: string;
}

/**
 * The backups in KRYONIX_BACKUP_DIR, newest first within each tenant, as their headers
 * tell without a key; files that are damaged or not backups are listed as such.
 */
export class ListBackupsQuery extends Query<BackupEntry[]> {
  constructor(readonly filter: BackupFilter = {}) {
    super();
  }
}
