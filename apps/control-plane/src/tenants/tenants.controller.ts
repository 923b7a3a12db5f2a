import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ChangeModulesCommand,
  CreateTenantCommand,
  DeleteTenantCommand,
  ListTenantsQuery,
  ResumeTenantCommand,
  RotateApiKeyCommand,
  RotateCredentialsCommand,
  ShowTenantQuery,
  SubmitCreateTenantCommand,
  SuspendTenantCommand,
  TenantLogQuery,
} from '@kryonix/tenants';
import { changeModulesBody, createTenantBody, listTenantsQuery, parse } from './tenant.dto';

interface Reply {
  status(code: number): Reply;
  header(name: string, value: string): Reply;
}

@Controller('v1/tenants')
export class TenantsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  /** 201 with the tenant; with `Prefer: respond-async`, 202 with a job to poll at /v1/jobs/:id. */
  @Post()
  async create(@Body() body: unknown, @Headers('prefer') prefer: string | undefined, @Res({ passthrough: true }) reply: Reply) {
    const input = parse(createTenantBody, body, 'request body');
    if (prefer && /(^|[,\s])respond-async($|[,;\s])/i.test(prefer)) {
      const job = await this.commands.execute(new SubmitCreateTenantCommand(input));
      reply.status(202).header('location', `/v1/jobs/${job.id}`).header('preference-applied', 'respond-async');
      return job;
    }
    const { files: _files, ...tenant } = await this.commands.execute(new CreateTenantCommand(input));
    reply.status(201);
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

  /** The whole wanted set of modules; removed ones are detached (data kept) unless `purge` is true. */
  @Put(':id/modules')
  @HttpCode(200)
  changeModules(@Param('id') id: string, @Body() body: unknown) {
    const { modules, purge } = parse(changeModulesBody, body, 'request body');
    return this.commands.execute(new ChangeModulesCommand(id, modules, purge));
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
