import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  CreateTenantCommand,
  DeleteTenantCommand,
  ListTenantsQuery,
  ResumeTenantCommand,
  RotateApiKeyCommand,
  RotateCredentialsCommand,
  ShowTenantQuery,
  SuspendTenantCommand,
  TenantLogQuery,
} from '@kryonix/tenants';
import { createTenantBody, listTenantsQuery, parse } from './tenant.dto';

@Controller('v1/tenants')
export class TenantsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Body() body: unknown) {
    const input = parse(createTenantBody, body, 'request body');
    const { files: _files, ...tenant } = await this.commands.execute(new CreateTenantCommand(input));
    return tenant;
  }

  @Get()
  async list(@Query() query: unknown) {
    const q = parse(listTenantsQuery, query, 'query');
    const items = await this.queries.execute(new ListTenantsQuery({ status: q.status, module: q.module, after: q.cursor, limit: q.limit + 1 }));
    const page = items.slice(0, q.limit);
    return { items: page, nextCursor: items.length > q.limit ? page[page.length - 1]?.id : null };
  }

  @Get(':id')
  show(@Param('id') id: string) {
    return this.queries.execute(new ShowTenantQuery(id));
  }

  @Get(':id/log')
  async log(@Param('id') id: string) {
    return { items: await this.queries.execute(new TenantLogQuery(id)) };
  }

  @Post(':id/suspend')
  @HttpCode(200)
  suspend(@Param('id') id: string) {
    return this.commands.execute(new SuspendTenantCommand(id));
  }

  @Post(':id/resume')
  @HttpCode(200)
  resume(@Param('id') id: string) {
    return this.commands.execute(new ResumeTenantCommand(id));
  }

  @Delete(':id')
  @HttpCode(200)
  remove(@Param('id') id: string, @Query('purge') purge?: string) {
    return this.commands.execute(new DeleteTenantCommand(id, purge === 'true' || purge === '1'));
  }

  @Post(':id/api-keys')
  @HttpCode(201)
  rotateKey(@Param('id') id: string) {
    return this.commands.execute(new RotateApiKeyCommand(id));
  }

  @Post(':id/credentials')
  @HttpCode(200)
  rotateCredentials(@Param('id') id: string) {
    return this.commands.execute(new RotateCredentialsCommand(id));
  }
}
