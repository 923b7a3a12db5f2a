import { Command } from 'commander';
import { printJson, printTenantSummary, stepPrinter } from '../output';
import { action, jsonOption } from './shared';
import { serviceFor } from '../transport';

export function tenantRepairCommand(): Command {
  return new Command('repair')
    .description('finish a tenant left half-made (crash, kill -9) or re-apply the idempotent steps of a live one')
    .argument('<id>', 'tenant id')
    .addOption(jsonOption())
    .action(
      action(async (command, id: string, opts: { json?: boolean }) => {
        const tenant = await (await serviceFor(command)).repair(id, stepPrinter(!opts.json, `Repairing tenant ${id}`));
        if (opts.json) printJson(tenant);
        else if (tenant.rolledBack) process.stdout.write(`Undid the restore of ${id} that was cut short: nothing of it is left. Restore again to make it.\n`);
        else printTenantSummary(tenant, 'Repaired');
      }),
    );
}
