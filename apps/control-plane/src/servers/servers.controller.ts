import { Body, Controller, Delete, Get, HttpCode, Param, Post, Res, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { QueryBus } from '@nestjs/cqrs';
import { parseTagRecord } from '@kryonix/domain';
import { AddServerCommand, AuditedCommands, ListServersQuery, RemoveServerCommand, SetServerStateCommand, SubmitFleetJobCommand } from '@kryonix/tenants';
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

  /** A durable job: a drain takes as long as its moves, and a control plane that dies meanwhile leaves it to the next worker. */
  @Post(':name/drain')
  @HttpCode(202)
  @apply(
    ApiOperation({
      summary: 'Move every tenant off the server (placement picks where; body { concurrency? }, 1-16, default 1), as a durable job',
      description:
        'Checked now (400/404, nothing queued), then queued (202; the same drain already queued or running is that job); poll the Location (/v1/jobs/:id). The job\'s result: { name, state, moved: [{ tenant, to, durationMs }], failed: [{ tenant, error }] }; state is cordoned when no tenant is left, else draining (a new drain goes on). A control plane killed mid-drain: the next worker finishes or rolls back the moves under way and goes on.',
    }),
    ApiResponse({ status: 202, schema: S.Job, description: 'Queued; poll the Location (/v1/jobs/:id).' }),
    ...errors(400, 401, 404),
  )
  async drain(@Param('name') name: string, @Body() body: unknown, @Res({ passthrough: true }) reply: { header(name: string, value: string): unknown }) {
    const concurrency = body && typeof body === 'object' && 'concurrency' in body ? (body as { concurrency: unknown }).concurrency : 1;
    const job = await this.commands.execute(new SubmitFleetJobCommand({ kind: 'drain_server', name, concurrency }));
    reply.header('location', `/v1/jobs/${job.id}`);
    return job;
  }

  @Delete(':name')
  @HttpCode(200)
  @apply(ApiOperation({ summary: 'Forget a server that holds no tenant (409 SERVER_IN_USE otherwise)' }), ...errors(400, 401, 404, 409))
  remove(@Param('name') name: string) {
    return this.commands.execute(new RemoveServerCommand(name));
  }
}
