import { Command } from 'commander';
import { RepairTenantCommand } from '@kryonix/tenants';
import { withCore } from '../core';
import { printJson, printTenantSummary, stepPrinter } from '../output';
import { action, jsonOption } from './shared';

export function tenantRepairCommand(): Command {
  return new Command('repair')
    .description('finish a tenant left half-made (crash, kill -9) or re-apply the idempotent steps of a live one')
    .argument('<id>', 'tenant id')
    .addOption(jsonOption())
    .action(
      action(async (id: string, opts: { json?: boolean }) => {
        const tenant = await withCore(({ commands }) => commands.execute(new RepairTenantCommand(id, stepPrinter(!opts.json))));
        if (opts.json) {
          const { files: _files, ...body } = tenant;
          printJson(body);
        } else printTenantSummary(tenant, 'Repaired');
      }),
    );
}
