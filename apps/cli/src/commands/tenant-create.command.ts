import { Command, Option } from 'commander';
import { printJson, printTenantSummary, stepPrinter } from '../output';
import { parseTags } from '@kryonix/domain';
import { action, collect, jsonOption } from './shared';
import { serviceFor } from '../transport';

export function tenantCreateCommand(): Command {
  return new Command('create')
    .description('provision a tenant: database (or schemas), role, registry rows, API key and generated files')
    .argument('<id>', 'tenant id: 3-40 chars, a-z 0-9 -, starting with a letter (also the subdomain)')
    .argument('<name>', 'company name, 1-255 characters')
    .addOption(new Option('-m, --modules <list>', 'comma-separated modules, e.g. crm,whatsapp,agendamento,financeiro').env('KRYONIX_MODULES').makeOptionMandatory())
    .addOption(new Option('--mode <mode>', 'isolation: a database per tenant, or schemas in a shared database').choices(['database', 'schema']).default('database').env('KRYONIX_MODE'))
    .option('--server <name>', 'the PostgreSQL server to make it on (default: the active server with room and the fewest tenants)')
    .option('--tag <k=v>', 'place it on a server with this tag (repeatable)', collect)
    .addOption(jsonOption())
    .action(
      action(async (command, id: string, name: string, opts: { modules: string; mode: string; server?: string; tag?: string[]; json?: boolean }) => {
        const service = await serviceFor(command);
        const tags = parseTags(opts.tag ?? []);
        const input = { id, name, modules: opts.modules.split(','), mode: opts.mode, ...(opts.server !== undefined ? { server: opts.server } : {}), ...(Object.keys(tags).length ? { tags } : {}) };
        const tenant = await service.create(input, stepPrinter(!opts.json, `Creating tenant ${id} (${opts.mode} mode)`));
        if (opts.json) printJson(tenant);
        else printTenantSummary(tenant, 'Created');
      }),
    );
}
