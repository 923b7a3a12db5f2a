import { Command, Option } from 'commander';
import { InvalidInput } from '@kryonix/domain';
import { printJson, printTable } from '../output';
import { action, jsonOption } from './shared';
import { serviceFor } from '../transport';

export function tenantListCommand(): Command {
  return new Command('list')
    .description('list tenants')
    .addOption(new Option('--status <status>', 'only tenants in this status').choices(['provisioning', 'active', 'suspended', 'deleting']))
    .option('--module <module>', 'only tenants that bought this module')
    .addOption(new Option('--mode <mode>', 'only tenants in this isolation mode').choices(['database', 'schema']))
    .option('--limit <n>', 'at most n tenants (in id order)')
    .option('--after <id>', 'only tenants whose id comes after this one (the next page: the last id of this one)')
    .addOption(jsonOption())
    .action(
      action(async (command, opts: { json?: boolean; status?: 'active'; module?: string; mode?: 'database' | 'schema'; limit?: string; after?: string }) => {
        const limit = opts.limit === undefined ? undefined : /^\d+$/.test(opts.limit) && Number(opts.limit) >= 1 ? Number(opts.limit) : NaN;
        if (Number.isNaN(limit)) throw new InvalidInput(`Invalid --limit "${opts.limit}": give a whole number of tenants, 1 or more.`);
        const tenants = await (await serviceFor(command)).list({ status: opts.status, module: opts.module, mode: opts.mode, after: opts.after, limit });
        if (opts.json) return printJson(tenants);
        if (tenants.length === 0) {
          const filtered = opts.status || opts.module || opts.mode || opts.after;
          return void process.stdout.write(filtered ? 'No tenants match.\n' : 'No tenants. Create one with: kryonix tenant create <id> <name> --modules crm\n');
        }
        printTable(
          ['ID', 'STATUS', 'MODE', 'SERVER', 'DATABASE', 'MODULES', 'NAME'],
          tenants.map((t) => [t.id, t.status, t.mode, t.serverName, t.databaseName, t.modules.join(','), t.name]),
        );
      }),
    );
}
