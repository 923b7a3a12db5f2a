import { Body, Get, Header, Param, Post, Query, Req, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { InvalidInput, validateTenantId } from '@kryonix/domain';
import {
  AuditedCommands,
  BrowseTenantsQuery,
  ChangeModulesCommand,
  DeleteTenantCommand,
  ListModulesQuery,
  ListServersQuery,
  ResumeTenantCommand,
  RotateApiKeyCommand,
  ShowTenantQuery,
  SuspendTenantCommand,
  TenantAuditQuery,
  TenantGaugesQuery,
  TenantLogQuery,
} from '@kryonix/tenants';
import { parse } from '../tenants/tenant.dto';
import { csrfOnly, deleteForm, modulesForm, tenantsFilter } from './console.dto';
import { ConsoleController, HtmlPage } from './console-controller';
import { CONSOLE_PATH, type ConsoleRequest } from './console-session';
import { formatSize, renderPage } from './console-views';
import { type ConsoleReply, seeOther } from './sign-in.controller';

/** Tenants per page of the table. */
export const TENANTS_PER_PAGE = 50;

const STATUSES = ['provisioning', 'active', 'suspended', 'deleting'];
const MODES = ['database', 'schema'];

/** The actions of the tenant page, each behind a confirmation page that names the tenant. */
const ACTIONS = {
  suspend: { heading: 'Suspend', question: (id: string) => `Suspend tenant ${id}? Its role loses LOGIN (open sessions end) and the data plane refuses it until it is resumed.`, button: (id: string) => `Suspend ${id}`, danger: false },
  resume: { heading: 'Resume', question: (id: string) => `Resume tenant ${id}? It is served again at once.`, button: (id: string) => `Resume ${id}`, danger: false },
  'rotate-key': { heading: 'Rotate the API key of', question: (id: string) => `Rotate the API key of ${id}? The new key is shown once; the old keys stop working now.`, button: (id: string) => `Rotate the key of ${id}`, danger: false },
  modules: { heading: 'Change the modules of', question: (id: string) => `Choose the modules ${id} should have (the whole set).`, button: (id: string) => `Change the modules of ${id}`, danger: false },
  delete: { heading: 'Delete', question: (id: string) => `Delete tenant ${id}? It is refused at once; its data is kept for the grace period, then purged.`, button: (id: string) => `Delete ${id}`, danger: true },
} as const;
type Action = keyof typeof ACTIONS;

function actionOf(name: string): Action {
  if (Object.hasOwn(ACTIONS, name)) return name as Action;
  throw new InvalidInput(`Unknown action "${name.slice(0, 40)}": the console's actions are ${Object.keys(ACTIONS).join(', ')}.`);
}

/** The Tenants page (search, filters, keyset paging) and the Tenant page with its actions. */
@ConsoleController('console/tenants')
export class TenantsPageController {
  constructor(
    private readonly commands: AuditedCommands,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @HtmlPage()
  async list(@Req() request: ConsoleRequest, @Query() query: unknown, @Res({ passthrough: true }) reply: ConsoleReply): Promise<string> {
    const [modules, servers] = await Promise.all([this.queries.execute(new ListModulesQuery()), this.queries.execute(new ListServersQuery())]);
    const options = { statuses: STATUSES, modes: MODES, modules: modules.map((m) => m.name), servers: servers.map((s) => s.name) };
    const frame = { title: 'Tenants', csrf: request.consoleSession!.csrfToken, nav: 'tenants' as const };
    let filter: ReturnType<typeof tenantsFilter.parse>;
    try {
      filter = parse(tenantsFilter, query, 'filter');
    } catch (error) {
      reply.status(400);
      return renderPage('tenants', frame, { ...options, filter: {}, page: { items: [] }, error: (error as Error).message });
    }
    const page = await this.queries.execute(new BrowseTenantsQuery({ search: filter.q, status: filter.status, mode: filter.mode, module: filter.module, server: filter.server, after: filter.after, limit: TENANTS_PER_PAGE }));
    const href = (after?: string) => {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries({ ...filter, after })) if (value) params.set(key, value);
      const text = params.toString();
      return `${CONSOLE_PATH}/tenants${text ? `?${text}` : ''}`;
    };
    return renderPage('tenants', frame, { ...options, filter, page, nextHref: page.next ? href(page.next) : undefined, firstHref: href(undefined) });
  }

  @Get(':id')
  @HtmlPage()
  async show(@Req() request: ConsoleRequest, @Param('id') id: string, @Query('done') done?: string): Promise<string> {
    const tenant = await this.queries.execute(new ShowTenantQuery(id));
    const [log, audit, gauges] = await Promise.all([
      this.queries.execute(new TenantLogQuery(id)),
      this.queries.execute(new TenantAuditQuery(id, 50)),
      this.queries.execute(new TenantGaugesQuery(id)).catch(() => undefined),
    ]);
    const latest = new Map<string, { name: string; version: number; appliedAt: Date }>();
    for (const m of tenant.migrations) if ((latest.get(m.module)?.version ?? -1) < m.version) latest.set(m.module, { name: m.module, version: m.version, appliedAt: m.appliedAt });
    const modules = tenant.modules.map((name) => latest.get(name) ?? { name, version: '—', appliedAt: null });
    const steps = log.map((row) => ({ step: row.action, status: row.status, durationMs: Math.round(row.durationMs ?? 0), at: row.createdAt, error: typeof row.details?.error === 'string' ? row.details.error : undefined }));
    return renderPage('tenant', { title: `Tenant ${tenant.id}`, csrf: request.consoleSession!.csrfToken, nav: 'tenants' }, {
      tenant,
      modules,
      steps,
      audit,
      notice: done ? NOTICES[done] : undefined,
      gauges: gauges ? gaugeText(gauges) : { connections: '—', storage: formatSize(tenant.storage.usedBytes), longestQuery: '—' },
    });
  }

  /** The live gauges, for the page's script (JSON). */
  @Get(':id/gauges')
  @Header('cache-control', 'no-store')
  async gauges(@Param('id') id: string) {
    return gaugeText(await this.queries.execute(new TenantGaugesQuery(id)));
  }

  /** The confirmation page of an action: it names the tenant; the action runs only from its form. */
  @Get(':id/:action')
  @HtmlPage()
  async confirm(@Req() request: ConsoleRequest, @Param('id') id: string, @Param('action') name: string): Promise<string> {
    const action = actionOf(name);
    const tenant = await this.queries.execute(new ShowTenantQuery(id));
    const spec = ACTIONS[action];
    const moduleChoices = action === 'modules' ? (await this.queries.execute(new ListModulesQuery())).map((m) => ({ name: m.name, title: m.title, checked: tenant.modules.includes(m.name) })) : undefined;
    return renderPage('confirm', { title: `${spec.heading} ${tenant.id}`, csrf: request.consoleSession!.csrfToken, nav: 'tenants' }, {
      heading: `${spec.heading} ${tenant.id}`,
      question: spec.question(tenant.id),
      button: spec.button(tenant.id),
      buttonClass: spec.danger ? 'danger' : '',
      action: `${CONSOLE_PATH}/tenants/${tenant.id}/${action}`,
      tenantId: tenant.id,
      typeToConfirm: action === 'delete',
      moduleChoices,
    });
  }

  @Post(':id/:action')
  @Header('cache-control', 'no-store')
  async act(@Req() request: ConsoleRequest, @Param('id') rawId: string, @Param('action') name: string, @Body() body: unknown, @Res({ passthrough: true }) reply: ConsoleReply): Promise<string> {
    const action = actionOf(name);
    const id = validateTenantId(rawId);
    const back = `${CONSOLE_PATH}/tenants/${id}`;
    switch (action) {
      case 'suspend':
        parse(csrfOnly, body, 'form');
        await this.commands.execute(new SuspendTenantCommand(id));
        return seeOther(reply, `${back}?done=suspended`);
      case 'resume':
        parse(csrfOnly, body, 'form');
        await this.commands.execute(new ResumeTenantCommand(id));
        return seeOther(reply, `${back}?done=resumed`);
      case 'modules': {
        const form = parse(modulesForm, body, 'form');
        await this.commands.execute(new ChangeModulesCommand(id, form.modules, form.purge === 'true'));
        return seeOther(reply, `${back}?done=modules`);
      }
      case 'delete': {
        const form = parse(deleteForm, body, 'form');
        if (form.confirm.trim() !== id) throw new InvalidInput(`Type the tenant id, ${id}, to confirm its delete (you typed ${JSON.stringify(form.confirm.slice(0, 40))}).`, { field: 'confirm' });
        await this.commands.execute(new DeleteTenantCommand(id, false));
        return seeOther(reply, `${back}?done=deleted`);
      }
      case 'rotate-key': {
        parse(csrfOnly, body, 'form');
        const { apiKey } = await this.commands.execute(new RotateApiKeyCommand(id, 0));
        reply.status(200).header('content-type', 'text/html; charset=utf-8');
        // Shown on this response only: never in a URL, never stored.
        return renderPage('key', { title: `New API key of ${id}`, csrf: request.consoleSession!.csrfToken, nav: 'tenants' }, { tenantId: id, apiKey });
      }
      default: {
        const unknown: never = action;
        throw new InvalidInput(`Unknown action ${String(unknown)}.`);
      }
    }
  }
}

const NOTICES: Record<string, string> = {
  suspended: 'Suspended.',
  resumed: 'Resumed.',
  modules: 'Modules changed.',
  deleted: 'Deleted: refused at once, data kept for the grace period (undo with kryonix tenant undelete).',
};

function gaugeText(g: { connections: number; storageBytes: number; quotaBytes: number; longestQuerySeconds: number }) {
  return { connections: g.connections, storage: `${formatSize(g.storageBytes)} of ${formatSize(g.quotaBytes)}`, longestQuery: `${g.longestQuerySeconds.toFixed(1)} s` };
}
