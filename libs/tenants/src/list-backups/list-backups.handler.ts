import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { validateTenantId } from '@kryonix/domain';
import { BackupCatalog, type BackupEntry } from '@kryonix/provisioning';
import { ListBackupsQuery } from './list-backups.query';

@QueryHandler(ListBackupsQuery)
export class ListBackupsHandler implements IQueryHandler<ListBackupsQuery, BackupEntry[]> {
  constructor(private readonly catalog: BackupCatalog) {}

  execute({ tenant }: ListBackupsQuery): Promise<BackupEntry[]> {
    return this.catalog.list(tenant === undefined ? {} : { tenant: validateTenantId(tenant) });
  }
}
