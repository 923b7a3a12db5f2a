import { Command } from 'commander';
import { printJson } from '../output';
import { action, jsonOption } from './shared';
import { serviceFor } from '../transport';

export function tenantShowCommand(): Command {
  return new Command('show')
    .description('show one tenant: status, storage, modules and their versions, API key prefixes')
    .argument('<id>', 'tenant id')
    .addOption(jsonOption())
    .action(
      action(async (command, id: string, opts: { json?: boolean }) => {
        const t = await (await serviceFor(command)).show(id);
        if (opts.json) return printJson(t);
        const versions = new Map<string, number>();
        for (const m of t.migrations) versions.set(m.module, Math.max(versions.get(m.module) ?? 0, m.version));
        const lines = [
          `${t.id}  ${t.name}`,
          `  status    ${t.status}${t.purgeAfter ? ` (purged after ${t.purgeAfter.toISOString()})` : ''}`,
          `  mode      ${t.mode}`,
          `  database  ${t.databaseName}`,
          `  schemas   ${t.schemas.join(', ')}`,
          `  role      ${t.roleName}`,
          `  url       ${t.url}`,
          `  modules   ${t.modules.map((m) => `${m}@${versions.get(m) ?? '?'}`).join(', ')}`,
          `  API keys  ${t.apiKeys.map((k) => `${k.prefix}… ${k.revokedAt ? 'revoked' : 'active'}`).join(', ') || 'none'}`,
          `  created   ${t.createdAt.toISOString()}`,
        ];
        process.stdout.write(lines.join('\n') + '\n');
      }),
    );
}
