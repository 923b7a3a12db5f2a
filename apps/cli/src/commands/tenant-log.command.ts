import { Command } from 'commander';
import { ms, printJson, printTable } from '../output';
import { action, jsonOption } from './shared';
import { serviceFor } from '../transport';

export function tenantLogCommand(): Command {
  return new Command('log')
    .description('the provisioning log of a tenant (logs_auto_creation), one row per step')
    .argument('<id>', 'tenant id')
    .addOption(jsonOption())
    .action(
      action(async (command, id: string, opts: { json?: boolean }) => {
        const entries = await (await serviceFor(command)).log(id);
        if (opts.json) return printJson(entries);
        if (entries.length === 0) return void process.stdout.write(`No provisioning log for "${id}".\n`);
        printTable(
          ['TIME', 'ACTION', 'STATUS', 'DURATION', 'DETAILS'],
          entries.map((e) => [e.createdAt.toISOString(), e.action, e.status, e.durationMs === undefined ? '' : ms(e.durationMs), JSON.stringify(e.details ?? {})]),
        );
      }),
    );
}
