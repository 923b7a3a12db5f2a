import { Body, Get, Header, Param, Post, Req, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { KryonixError, NotFound } from '@kryonix/domain';
import { AuditedCommands, CreateTenantCommand, ListModulesQuery, ListServersQuery } from '@kryonix/tenants';
import { describe } from '@kryonix/web';
import { parse } from '../tenants/tenant.dto';
import { newTenantForm } from './console.dto';
import { ConsoleController, HtmlPage } from './console-controller';
import { CONSOLE_PATH, type ConsoleRequest } from './console-session';
import { renderPage } from './console-views';
import { CreateRuns } from './create-runs';
import { type EventStreamReply, openEventStream } from './event-stream';
import { type ConsoleReply, seeOther } from './sign-in.controller';

/** Which form field an error of the create use case is about (its `details.field`, else by code). */
function fieldOf(error: unknown): string | undefined {
  if (!(error instanceof KryonixError)) return undefined;
  const field = error.details.field;
  if (typeof field === 'string' && ['id', 'name', 'modules', 'mode', 'server'].includes(field)) return field;
  if (error.code === 'UNKNOWN_MODULE') return 'modules';
  if (error.code === 'TENANT_EXISTS') return 'id';
  if (error.code.startsWith('SERVER_')) return 'server';
  return undefined;
}

/**
 * The New tenant page: a form whose errors are the use case's own messages, shown next to
 * their fields; then the steps live (server-sent events) as CreateTenantCommand runs them,
 * ending on the new key, shown once.
 */
@ConsoleController('console/tenants/new')
export class NewTenantController {
  constructor(
    private readonly commands: AuditedCommands,
    private readonly queries: QueryBus,
    private readonly runs: CreateRuns,
  ) {}

  @Get()
  @HtmlPage()
  async form(@Req() request: ConsoleRequest): Promise<string> {
    return this.page(request, { values: { mode: 'database', modules: [] }, errors: {} });
  }

  @Post()
  @Header('cache-control', 'no-store')
  async create(@Req() request: ConsoleRequest, @Body() body: unknown, @Res({ passthrough: true }) reply: ConsoleReply): Promise<string> {
    const form = parse(newTenantForm, body, 'form');
    const input = { id: form.id.trim(), name: form.name.trim(), modules: form.modules, mode: form.mode ?? 'database', ...(form.server ? { server: form.server } : {}) };
    const session = request.consoleSession!;
    try {
      const runId = await this.runs.start(session.id, input.id, (onStep) => this.commands.execute(new CreateTenantCommand(input, onStep)));
      return seeOther(reply, `${CONSOLE_PATH}/tenants/new/runs/${runId}`);
    } catch (error) {
      const field = fieldOf(error);
      const { status, message } = describe(error);
      if (status >= 500) throw error;
      reply.status(status).header('content-type', 'text/html; charset=utf-8');
      return this.page(request, { values: { ...input, server: form.server }, errors: field ? { [field]: message } : {}, error: field ? 'The tenant was not created: see the field marked below.' : message });
    }
  }

  @Get('runs/:run')
  @HtmlPage()
  run(@Req() request: ConsoleRequest, @Param('run') runId: string): string {
    const run = this.runs.find(runId, request.consoleSession!.id);
    if (!run) throw new NotFound('No such create in this session (it finished more than 10 minutes ago, or another session started it).');
    return renderPage('run', { title: `Creating ${run.tenantId}`, csrf: request.consoleSession!.csrfToken, nav: 'new' }, { runId, tenantId: run.tenantId });
  }

  /** The run's steps as server-sent events: `step` each, then `done` (with the key the first time only). */
  @Get('runs/:run/events')
  events(@Req() request: ConsoleRequest, @Param('run') runId: string, @Res() reply: EventStreamReply): void {
    const sessionId = request.consoleSession!.id;
    if (!this.runs.find(runId, sessionId)) throw new NotFound('No such create in this session.');
    // The stream opens first (its close stops the following), the following then replays into it.
    const following: { stop?: () => void } = {};
    const stream = openEventStream(reply, () => following.stop?.());
    following.stop = this.runs.follow(runId, sessionId, {
      step: (step) => stream.send('step', step),
      done: (outcome, apiKey) => {
        stream.send('done', { ...outcome, ...(apiKey ? { apiKey } : {}) });
        stream.end();
      },
    });
  }

  private async page(request: ConsoleRequest, data: { values: Record<string, unknown>; errors: Record<string, string>; error?: string }): Promise<string> {
    const [modules, servers] = await Promise.all([this.queries.execute(new ListModulesQuery()), this.queries.execute(new ListServersQuery())]);
    return renderPage('newTenant', { title: 'New tenant', csrf: request.consoleSession!.csrfToken, nav: 'new' }, {
      ...data,
      moduleChoices: modules.map((m) => ({ name: m.name, title: m.title, dependencies: m.dependencies })),
      modes: ['database', 'schema'],
      servers: servers.length > 1 ? servers.filter((s) => s.state === 'active').map((s) => s.name) : [],
    });
  }
}
