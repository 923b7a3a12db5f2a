import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { InvalidInput, NotFound, validateTenantId } from '@kryonix/domain';
import { BackupCatalog, type BackupEntry } from '@kryonix/provisioning';
import { ListBackupsQuery } from './list-backups.query';

/** A backup's id is a file name in the folder: never a path. */
const BACKUP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

@QueryHandler(ListBackupsQuery)
export class ListBackupsHandler implements IQueryHandler<ListBackupsQuery, BackupEntry[]> {
  constructor(private readonly catalog: BackupCatalog) {}

  async execute({ filter }: ListBackupsQuery): Promise<BackupEntry[]> {
    const tenant = filter.tenant === undefined ? undefined : validateTenantId(filter.tenant);
    const id = filter.id;
    if (id !== undefined && !BACKUP_ID.test(id)) throw new InvalidInput(`Invalid backup id ${JSON.stringify(id)}: a file name in KRYONIX_BACKUP_DIR (letters, digits, ".", "_" and "-"; no path), as \`kryonix backup list\` shows it.`, { field: 'id' });
    const entries = await this.catalog.list(tenant === undefined ? {} : { tenant });
    if (id === undefined) return entries;
    const found = entries.filter((e) => e.id === id);
    if (!found.length) throw new NotFound(`No backup "${id}" in KRYONIX_BACKUP_DIR${tenant === undefined ? '' : ` of tenant ${tenant}`} (\`kryonix backup list\` shows them).`);
    return found;
  }
}
