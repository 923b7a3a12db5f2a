import { Command } from 'commander';
import { ListTenantsQuery } from '@kryonix/tenants';
import { withCore } from '../core';
import { printJson } from '../output';
import { action, jsonOption } from './shared';

export function tenantListCommand(): Command {
  return new Command('list')
    .description('list tenants')
    .addOption(jsonOption())
    .action(
      action(async (opts: { json?: boolean }) => {
        const tenants = await withCore(({ queries }) => queries.execute(new ListTenantsQuery()));
        if (opts.json) return printJson(tenants);
        if (tenants.length === 0) return void process.stdout.write('No tenants yet. Create one with: kryonix tenant create <id> <name> --modules crm\n');
        const rows = tenants.map((t) => [t.id, t.status, t.mode, t.databaseName, t.modules.join(','), t.name]);
        printTable(['ID', 'STATUS', 'MODE', 'DATABASE', 'MODULES', 'NAME'], rows);
      }),
    );
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const row of [header, ...rows]) process.stdout.write(row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ') + '\n');
}
