import { Command } from 'commander';
import { ListModulesQuery } from '@kryonix/tenants';
import { withCore } from '../core';
import { printJson } from '../output';
import { action, jsonOption } from './shared';
import { printTable } from './tenant-list.command';

export function moduleListCommand(): Command {
  return new Command('list')
    .description('list the SQL modules (KRYONIX_MODULES_DIR) with their versions and tables')
    .addOption(jsonOption())
    .action(
      action(async (opts: { json?: boolean }) => {
        const modules = await withCore(({ queries }) => queries.execute(new ListModulesQuery()));
        if (opts.json) return printJson(modules);
        printTable(
          ['MODULE', 'VERSION', 'TITLE', 'DEPENDS ON', 'TABLES'],
          modules.map((m) => [m.name, String(m.version), m.title, m.dependencies.join(',') || '-', Object.keys(m.tables).join(', ')]),
        );
      }),
    );
}
