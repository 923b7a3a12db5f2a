import { Controller, Get, Query, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { QueryBus } from '@nestjs/cqrs';
import { ListBackupsQuery } from '@kryonix/tenants';
import * as S from '../docs/openapi.schemas';
import { parse } from '../tenants/tenant.dto';
import { listBackupsQuery } from './backup-list.dto';

const apply = (...decorators: MethodDecorator[]): MethodDecorator => applyDecorators(...decorators);
const errors = (...statuses: number[]) => statuses.map((status) => ApiResponse({ status, schema: S.ErrorBody }));

/** The backups in KRYONIX_BACKUP_DIR (`kryonix backup list`). */
@ApiTags('backups')
@ApiBearerAuth()
@Controller('v1/backups')
export class BackupCatalogController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @apply(
    ApiOperation({ summary: "The backups in KRYONIX_BACKUP_DIR, newest first for each tenant, as their headers tell without a key; damaged files and files that are not backups are listed as such" }),
    ...S.queryParameters(listBackupsQuery),
    ApiResponse({ status: 200, schema: S.BackupList }),
    ...errors(400, 401, 404),
  )
  async list(@Query() query: unknown) {
    const q = parse(listBackupsQuery, query, 'query');
    return { items: await this.queries.execute(new ListBackupsQuery({ ...(q.tenant === undefined ? {} : { tenant: q.tenant }), ...(q.id === undefined ? {} : { id: q.id }) })) };
  }
}
