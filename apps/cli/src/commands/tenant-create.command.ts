import { Command, Option } from 'commander';
import { printJson, printTenantSummary, stepPrinter } from '../output';
import { action, jsonOption } from './shared';
import { serviceFor } from '../transport';

export function tenantCreateCommand(): Command {
  return new Command('create')
    .description('provision a tenant: database (or schemas), role, registry rows, API key and generated files')
    .argument('<id>', 'tenant id: 3-40 chars, a-z 0-9 -, starting with a letter (also the subdomain)')
    .argument('<name>', 'company name, 1-255 characters')
    .addOption(new Option('-m, --modules <list>', 'comma-separated modules, e.g. crm,whatsapp,agendamento,financeiro').env('KRYONIX_MODULES').makeOptionMandatory())
    .addOption(new Option('--mode <mode>', 'isolation: a database per tenant, or schemas in a shared database').choices(['database', 'schema']).default('database').env('KRYONIX_MODE'))
    .addOption(jsonOption())
    .action(
      action(async (command, id: string, name: string, opts: { modules: string; mode: string; json?: boolean }) => {
        const service = await serviceFor(command);
        const tenant = await service.create({ id, name, modules: opts.modules.split(','), mode: opts.mode }, stepPrinter(!opts.json, `Creating tenant ${id} (${opts.mode} mode)`));
        if (opts.json) printJson(tenant);
        else printTenantSummary(tenant, 'Created');
      }),
    );
}
