import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { NotFound, validateTenantId } from '@kryonix/domain';
import { BackupCatalog, type BackupEntry, validateBackupId } from '@kryonix/provisioning';
import { ListBackupsQuery } from './list-backups.query';

@QueryHandler(ListBackupsQuery)
export class ListBackupsHandler implements IQueryHandler<ListBackupsQuery, BackupEntry[]> {
  constructor(private readonly catalog: BackupCatalog) {}

  async execute({ filter }: ListBackupsQuery): Promise<BackupEntry[]> {
    const tenant = filter.tenant === undefined ? undefined : validateTenantId(filter.tenant);
    // the one rule of what a backup id is (a file name in the folder, never a path)
    const id = filter.id === undefined ? undefined : validateBackupId(filter.id, 'id');
    const entries = await this.catalog.list(tenant === undefined ? {} : { tenant });
    if (id === undefined) return entries;
    const found = entries.filter((e) => e.id === id);
    if (!found.length) throw new NotFound(`No backup "${id}" in KRYONIX_BACKUP_DIR${tenant === undefined ? '' : ` of tenant ${tenant}`} (\`kryonix backup list\` shows them).`);
    return found;
  }
}
