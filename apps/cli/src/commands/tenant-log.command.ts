import { Command } from 'commander';
import { TenantLogQuery } from '@kryonix/tenants';
import { withCore } from '../core';
import { ms, printJson } from '../output';
import { action, jsonOption } from './shared';
import { printTable } from './tenant-list.command';

export function tenantLogCommand(): Command {
  return new Command('log')
    .description('the provisioning log of a tenant (logs_auto_creation), one row per step')
    .argument('<id>', 'tenant id')
    .addOption(jsonOption())
    .action(
      action(async (id: string, opts: { json?: boolean }) => {
        const entries = await withCore(({ queries }) => queries.execute(new TenantLogQuery(id)));
        if (opts.json) return printJson(entries);
        if (entries.length === 0) return void process.stdout.write(`No provisioning log for "${id}".\n`);
        printTable(
          ['TIME', 'ACTION', 'STATUS', 'DURATION', 'DETAILS'],
          entries.map((e) => [e.createdAt.toISOString(), e.action, e.status, e.durationMs === undefined ? '' : ms(e.durationMs), JSON.stringify(e.details ?? {})]),
        );
      }),
    );
}
