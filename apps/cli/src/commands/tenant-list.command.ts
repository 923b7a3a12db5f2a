import { Command, Option } from 'commander';
import { printJson, printTable } from '../output';
import { action, jsonOption } from './shared';
import { serviceFor } from '../transport';

export function tenantListCommand(): Command {
  return new Command('list')
    .description('list tenants')
    .addOption(new Option('--status <status>', 'only tenants in this status').choices(['provisioning', 'active', 'suspended', 'deleting']))
    .option('--module <module>', 'only tenants that bought this module')
    .addOption(jsonOption())
    .action(
      action(async (command, opts: { json?: boolean; status?: 'active'; module?: string }) => {
        const tenants = await (await serviceFor(command)).list({ status: opts.status, module: opts.module });
        if (opts.json) return printJson(tenants);
        if (tenants.length === 0) return void process.stdout.write('No tenants. Create one with: kryonix tenant create <id> <name> --modules crm\n');
        printTable(
          ['ID', 'STATUS', 'MODE', 'DATABASE', 'MODULES', 'NAME'],
          tenants.map((t) => [t.id, t.status, t.mode, t.databaseName, t.modules.join(','), t.name]),
        );
      }),
    );
}
