import { Body, Controller, Delete, Get, Header, Headers, HttpCode, Param, Post, Put, Query, Req, Res, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import * as S from '../docs/openapi.schemas';
import { QueryBus } from '@nestjs/cqrs';
import { AuditedCommands, ChangeModulesCommand, CreateTenantCommand, DeleteTenantCommand, ListTenantsQuery, ResumeTenantCommand, UndeleteTenantCommand, RotateApiKeyCommand, RepairTenantCommand, RotateCredentialsCommand, RevealConnectionCommand, SetRateLimitCommand, ShowTenantQuery, SubmitCreateTenantCommand, SubmitTenantJobCommand, SuspendTenantCommand, TenantLogQuery } from '@kryonix/tenants';
import type { AuditedRequest } from '../audit/audit.interceptor';
import { StreamingReply, streamSteps, wantsSteps } from './step-stream';
import { changeModulesBody, createTenantBody, listTenantsQuery, moveTenantBody, parse, rateLimitBody, rotateKeyBody } from './tenant.dto';

export interface Reply extends StreamingReply {
  status(code: number): Reply;
  header(name: string, value: string): Reply;
}

const errors = (...statuses: number[]) => statuses.map((status) => ApiResponse({ status, description: DESCRIPTIONS[status], schema: S.ErrorBody }));
const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input; the message names what is wrong and what is allowed.',
  401: 'Missing or wrong operator token.',
  404: 'Unknown tenant.',
  409: 'Conflict: the tenant exists, or its status does not allow this.',
  422: 'The tenant or a server cannot take part (a table without a primary key, a server without wal_level = logical, …); the message says what to change.',
  423: 'The tenant is being changed by another operation; retry.',
};
const apply = (...decorators: MethodDecorator[]): MethodDecorator => applyDecorators(...decorators);
const stepsHeader = ApiHeader({ name: 'Accept', required: false, description: '`application/x-ndjson`: stream one `{type:"step"}` line per step while it runs, then `{type:"result"}` or `{type:"error"}` (status 200; the last line is the outcome)' });
const asyncHeader = ApiHeader({ name: 'Prefer', required: false, description: '`respond-async`: queue the work as a durable job and answer 202 with it' });

/** RFC 7240: `Prefer: respond-async`. */
function wantsAsync(prefer: string | undefined): boolean {
  return Boolean(prefer && /(^|[,\s])respond-async($|[,;\s])/i.test(prefer));
}

function accepted<T extends { id: string }>(reply: Reply, job: T): T {
  reply.status(202).header('location', `/v1/jobs/${job.id}`).header('preference-applied', 'respond-async');
  return job;
}

@ApiTags('tenants')
@ApiBearerAuth()
@Controller('v1/tenants')
export class TenantsController {
  constructor(
    private readonly commands: AuditedCommands,
    private readonly queries: QueryBus,
  ) {}

  /** 201 with the tenant; with `Prefer: respond-async`, 202 with a job to poll at /v1/jobs/:id. */
  @Post()
  @apply(
    ApiOperation({ summary: 'Create a tenant', description: 'Provisions database or schemas, role, registry rows, API key and files. With `Prefer: respond-async` it is queued as a durable job (202).' }),
    asyncHeader,
    stepsHeader,
    ApiBody({ schema: S.CreateTenantRequest }),
    ApiResponse({ status: 201, schema: S.CreatedTenant }),
    ApiResponse({ status: 202, schema: S.Job, description: 'Queued; poll the Location (/v1/jobs/:id).' }),
    ...errors(400, 401, 409, 423),
  )
  async create(
    @Body() body: unknown,
    @Headers('prefer') prefer: string | undefined,
    @Headers('accept') accept: string | undefined,
    @Req() request: AuditedRequest,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    const input = parse(createTenantBody, body, 'request body');
    if (wantsAsync(prefer)) return accepted(reply, await this.commands.execute(new SubmitCreateTenantCommand(input)));
    if (wantsSteps(accept)) return streamSteps(request, reply, (onStep) => this.commands.execute(new CreateTenantCommand(input, onStep)));
    const tenant = await this.commands.execute(new CreateTenantCommand(input));
    reply.status(201);
    return tenant;
  }

  /** Finishes or cleans up a create that was interrupted (a killed process): the same as `kryonix tenant repair`. */
  @Post(':id/repair')
  @HttpCode(200)
  @apply(
    ApiOperation({ summary: 'Repair: finish an interrupted create (or clean up what it left)', description: 'Idempotent; safe on a healthy tenant. Streams its steps with `Accept: application/x-ndjson`.' }),
    stepsHeader,
    ApiResponse({ status: 200, schema: S.CreatedTenant }),
    ...errors(400, 401, 404, 409, 423),
  )
  async repair(@Param('id') id: string, @Headers('accept') accept: string | undefined, @Req() request: AuditedRequest, @Res({ passthrough: true }) reply: Reply) {
    if (wantsSteps(accept)) return streamSteps(request, reply, (onStep) => this.commands.execute(new RepairTenantCommand(id, onStep)));
    const tenant = await this.commands.execute(new RepairTenantCommand(id));
    return tenant;
  }

  @Get()
  @apply(
    ApiOperation({ summary: 'List tenants (paged by cursor)' }),
    ...S.queryParameters(listTenantsQuery),
    ApiResponse({ status: 200, schema: S.TenantPage }),
    ...errors(400, 401),
  )
  async list(@Query() query: unknown) {
    const q = parse(listTenantsQuery, query, 'query');
    const items = await this.queries.execute(new ListTenantsQuery({ status: q.status, module: q.module, mode: q.mode, after: q.cursor, limit: q.limit + 1 }));
    const page = items.slice(0, q.limit);
    return { items: page, nextCursor: items.length > q.limit ? page[page.length - 1]?.id : null };
  }

  @Get(':id')
  @apply(ApiOperation({ summary: 'One tenant, with schemas, module ledger and API key prefixes' }), ApiResponse({ status: 200, schema: S.Tenant }), ...errors(400, 401, 404))
  show(@Param('id') id: string) {
    return this.queries.execute(new ShowTenantQuery(id));
  }

  @Get(':id/log')
  @apply(ApiOperation({ summary: 'Provisioning log (logs_auto_creation): one row per step with its duration' }), ...errors(400, 401))
  async log(@Param('id') id: string) {
    return { items: await this.queries.execute(new TenantLogQuery(id)) };
  }

  @Post(':id/suspend')
  @HttpCode(200)
  @apply(ApiOperation({ summary: 'Suspend: the tenant role loses LOGIN (sessions ended); the data plane refuses it' }), ApiResponse({ status: 200, schema: S.StatusChange }), ...errors(400, 401, 404, 409, 423))
  suspend(@Param('id') id: string) {
    return this.commands.execute(new SuspendTenantCommand(id));
  }

  @Post(':id/resume')
  @HttpCode(200)
  @apply(ApiOperation({ summary: 'Resume a suspended tenant' }), ApiResponse({ status: 200, schema: S.StatusChange }), ...errors(400, 401, 404, 409, 423))
  resume(@Param('id') id: string) {
    return this.commands.execute(new ResumeTenantCommand(id));
  }

  @Post(':id/undelete')
  @HttpCode(200)
  @apply(ApiOperation({ summary: 'Undo a delete within its grace period: the tenant is back as it was (status, role, keys, data)' }), ApiResponse({ status: 200, schema: S.StatusChange }), ...errors(400, 401, 404, 409, 423))
  undelete(@Param('id') id: string) {
    return this.commands.execute(new UndeleteTenantCommand(id));
  }

  @Delete(':id')
  @apply(
    ApiOperation({ summary: 'Delete: refused at once, data kept for KRYONIX_DELETE_GRACE then purged; ?purge=true drops everything now' }),
    ApiQuery({ name: 'purge', required: false, schema: { type: 'boolean' } }),
    asyncHeader,
    ApiResponse({ status: 202, schema: S.Job, description: 'Purge queued (with purge=true and Prefer: respond-async).' }),
    ...errors(400, 401, 404, 409, 423),
  )
  async remove(@Param('id') id: string, @Headers('prefer') prefer: string | undefined, @Res({ passthrough: true }) reply: Reply, @Query('purge') purgeParam?: string) {
    const purge = purgeParam === 'true' || purgeParam === '1';
    if (purge && wantsAsync(prefer)) return accepted(reply, await this.commands.execute(new SubmitTenantJobCommand({ kind: 'purge_tenant', id })));
    reply.status(200);
    return this.commands.execute(new DeleteTenantCommand(id, purge));
  }

  /** The whole wanted set of modules; removed ones are detached (data kept) unless `purge` is true. */
  @Put(':id/modules')
  @apply(
    ApiOperation({ summary: 'Set the modules (whole set): added ones applied in dependency order; removed ones detached, or dropped with purge' }),
    ApiBody({ schema: S.ModulesRequest }),
    asyncHeader,
    ApiResponse({ status: 202, schema: S.Job }),
    ...errors(400, 401, 404, 409, 423),
  )
  async changeModules(@Param('id') id: string, @Body() body: unknown, @Headers('prefer') prefer: string | undefined, @Res({ passthrough: true }) reply: Reply) {
    const { modules, purge } = parse(changeModulesBody, body, 'request body');
    if (wantsAsync(prefer)) return accepted(reply, await this.commands.execute(new SubmitTenantJobCommand({ kind: 'change_modules', id, modules, purge })));
    reply.status(200);
    return this.commands.execute(new ChangeModulesCommand(id, modules, purge));
  }

  /** Always a durable job: a move takes as long as its copy, and a control plane that dies meanwhile leaves it to the next worker. */
  @Post(':id/move')
  @apply(
    ApiOperation({
      summary: 'Move the tenant to another server (online: logical replication, a pause of at most KRYONIX_MOVE_MAX_PAUSE at the cut-over)',
      description: 'Checked now (refusals are 4xx, nothing queued), then queued as a durable job (202); poll the Location. The job\'s result lists the phases and their durations.',
    }),
    ApiBody({ schema: S.MoveRequest }),
    ApiResponse({ status: 202, schema: S.Job, description: 'Queued; poll the Location (/v1/jobs/:id).' }),
    ...errors(400, 401, 404, 409, 422, 423),
  )
  async move(@Param('id') id: string, @Body() body: unknown, @Res({ passthrough: true }) reply: Reply) {
    const { to, attempts } = parse(moveTenantBody, body, 'request body');
    return accepted(reply, await this.commands.execute(new SubmitTenantJobCommand({ kind: 'move_tenant', id, to, attempts })));
  }

  /** The tenant's own data-plane limit; null returns it to KRYONIX_RATE_LIMIT. */
  @Put(':id/rate-limit')
  @HttpCode(200)
  @apply(
    ApiOperation({ summary: 'Set the tenant’s data-plane rate limit (requests per minute), or null for the default' }),
    ApiBody({ schema: S.RateLimitRequest }),
    ...errors(400, 401, 404, 409, 423),
  )
  setRateLimit(@Param('id') id: string, @Body() body: unknown) {
    const { perMinute } = parse(rateLimitBody, body, 'request body');
    return this.commands.execute(new SetRateLimitCommand(id, perMinute));
  }

  @Post(':id/api-keys')
  @HttpCode(201)
  @apply(
    ApiOperation({ summary: 'Rotate the API key: a new key shown once; the old ones revoked now, or after overlapSeconds' }),
    ApiBody({ required: false, schema: S.RotateKeyRequest }),
    ...errors(400, 401, 404, 409, 423),
  )
  rotateKey(@Param('id') id: string, @Body() body: unknown) {
    const { overlapSeconds } = parse(rotateKeyBody, body, 'request body');
    return this.commands.execute(new RotateApiKeyCommand(id, overlapSeconds * 1000));
  }

  @Post(':id/credentials')
  @HttpCode(200)
  @apply(ApiOperation({ summary: 'Rotate the tenant role’s database password (kept encrypted, not shown)' }), ...errors(400, 401, 404, 409, 423))
  rotateCredentials(@Param('id') id: string) {
    return this.commands.execute(new RotateCredentialsCommand(id));
  }

  /** POST, not GET: it reveals a secret (audited as tenant.reveal_connection) and must not be cached or prefetched. */
  @Post(':id/connection')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @apply(
    ApiOperation({ summary: 'Reveal how the tenant role logs in to PostgreSQL directly (host, port, database, user, password, connection URI)' }),
    ApiResponse({ status: 200, schema: S.TenantConnection }),
    ...errors(400, 401, 404, 409, 423),
  )
  revealConnection(@Param('id') id: string) {
    return this.commands.execute(new RevealConnectionCommand(id));
  }
}
