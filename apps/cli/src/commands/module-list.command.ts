import { Command } from 'commander';
import { printJson, printTable } from '../output';
import { action, jsonOption } from './shared';
import { serviceFor } from '../transport';

export function moduleListCommand(): Command {
  return new Command('list')
    .description('list the SQL modules (KRYONIX_MODULES_DIR) with their versions and tables')
    .addOption(jsonOption())
    .action(
      action(async (command, opts: { json?: boolean }) => {
        const modules = await (await serviceFor(command)).modules();
        if (opts.json) return printJson(modules);
        printTable(
          ['MODULE', 'VERSION', 'TITLE', 'DEPENDS ON', 'TABLES'],
          modules.map((m) => [m.name, String(m.version), m.title, m.dependencies.join(',') || '-', Object.keys(m.tables).join(', ')]),
        );
      }),
    );
}
