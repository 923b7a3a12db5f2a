import { Body, Controller, Delete, Get, HttpCode, Param, Post, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { QueryBus } from '@nestjs/cqrs';
import { parseTagRecord } from '@kryonix/domain';
import { AddServerCommand, AuditedCommands, DrainServerCommand, ListServersQuery, RemoveServerCommand, SetServerStateCommand } from '@kryonix/tenants';
import * as S from '../docs/openapi.schemas';
import { parse } from '../tenants/tenant.dto';
import { addServerBody } from './server.dto';

const apply = (...decorators: MethodDecorator[]): MethodDecorator => applyDecorators(...decorators);
const errors = (...statuses: number[]) => statuses.map((status) => ApiResponse({ status, schema: S.ErrorBody }));

/** The PostgreSQL servers tenants live on (`kryonix server …`). */
@ApiTags('servers')
@ApiBearerAuth()
@Controller('v1/servers')
export class ServersController {
  constructor(
    private readonly commands: AuditedCommands,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @HttpCode(201)
  @apply(
    ApiOperation({ summary: 'Check a PostgreSQL server and register it (422 SERVER_UNFIT says what to set; 503 when unreachable)' }),
    ApiBody({ schema: S.AddServerRequest }),
    ApiResponse({ status: 201, schema: S.Server }),
    ...errors(400, 401, 409, 422, 503),
  )
  add(@Body() body: unknown) {
    const input = parse(addServerBody, body, 'request body');
    const tags = parseTagRecord(input.tags ?? {}); // the same rules as --tag
    return this.commands.execute(new AddServerCommand({ ...input, tags }));
  }

  @Get()
  @apply(ApiOperation({ summary: 'Every server: state, tenants, storage, connections, reachable now' }), ApiResponse({ status: 200, schema: S.ServerList }))
  async list() {
    return { items: await this.queries.execute(new ListServersQuery()) };
  }

  @Get(':name')
  @apply(ApiOperation({ summary: 'One server' }), ApiResponse({ status: 200, schema: S.Server }), ...errors(400, 401, 404))
  async show(@Param('name') name: string) {
    return (await this.queries.execute(new ListServersQuery(name)))[0];
  }

  @Post(':name/cordon')
  @HttpCode(200)
  @apply(ApiOperation({ summary: 'Place no new tenant on it (its tenants stay and are served)' }), ...errors(400, 401, 404, 409))
  cordon(@Param('name') name: string) {
    return this.commands.execute(new SetServerStateCommand(name, 'cordoned'));
  }

  @Post(':name/uncordon')
  @HttpCode(200)
  @apply(ApiOperation({ summary: 'Place tenants on it again' }), ...errors(400, 401, 404, 409))
  uncordon(@Param('name') name: string) {
    return this.commands.execute(new SetServerStateCommand(name, 'active'));
  }

  @Post(':name/drain')
  @HttpCode(200)
  @apply(
    ApiOperation({
      summary:
        'Move every tenant off the server (placement picks where; body { concurrency? }, 1-16, default 1); it ends cordoned when none is left, else stays draining and a new call goes on. Runs within the request (not a durable job): the answer lists the moved and the failed tenants',
    }),
    ApiResponse({ status: 200, description: '{ name, state, moved: [{ tenant, to, durationMs }], failed: [{ tenant, error }] }' }),
    ...errors(400, 401, 404),
  )
  drain(@Param('name') name: string, @Body() body: unknown) {
    const concurrency = body && typeof body === 'object' && 'concurrency' in body ? (body as { concurrency: unknown }).concurrency : 1;
    return this.commands.execute(new DrainServerCommand(name, concurrency));
  }

  @Delete(':name')
  @HttpCode(200)
  @apply(ApiOperation({ summary: 'Forget a server that holds no tenant (409 SERVER_IN_USE otherwise)' }), ...errors(400, 401, 404, 409))
  remove(@Param('name') name: string) {
    return this.commands.execute(new RemoveServerCommand(name));
  }
}
