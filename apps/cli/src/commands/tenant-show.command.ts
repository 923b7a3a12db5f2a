import { Command } from 'commander';
import { formatBytes, formatCutOverSteps } from '@kryonix/domain';
import type { TenantDetails } from '@kryonix/tenants';
import { ms, printJson } from '../output';
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
          `  server    ${t.serverName}`,
          `  database  ${t.databaseName}`,
          `  schemas   ${t.schemas.join(', ')}`,
          `  role      ${t.roleName}`,
          `  url       ${t.url}`,
          `  modules   ${t.modules.map((m) => `${m}@${versions.get(m) ?? '?'}`).join(', ')}`,
          `  storage   ${formatBytes(t.storage.usedBytes)} of ${formatBytes(t.storage.quotaBytes)} (${((100 * t.storage.usedBytes) / Math.max(1, t.storage.quotaBytes)).toFixed(1)}%)`,
          `  API keys  ${t.apiKeys.map((k) => `${k.prefix}… ${keyState(k.revokedAt)}`).join(', ') || 'none'}`,
          `  created   ${t.createdAt.toISOString()}`,
          ...moveLines(t.moves),
        ];
        process.stdout.write(lines.join('\n') + '\n');
      }),
    );
}

/** The tenant's moves, the latest first: from, to, state, when, each phase's duration. */
function moveLines(moves: TenantDetails['moves']): string[] {
  if (!moves.length) return ['  moves     none'];
  return [
    '  moves',
    ...moves.flatMap((m) => {
      const phases = m.phases.map((p) => `${p.phase} ${ms(p.durationMs)}`).join(', ');
      const steps = m.cutOver ? formatCutOverSteps(m.cutOver) : '';
      return [`    ${new Date(m.startedAt).toISOString()}  ${m.from} → ${m.to}  ${m.state}${phases ? `  (${phases})` : ''}${m.error ? `: ${m.error}` : ''}`, ...(steps ? [`      cut-over  ${steps}`] : [])];
    }),
  ];
}

/** A key revoked with --overlap still works until its revocation time. */
function keyState(revokedAt: Date | string | null): string {
  if (!revokedAt) return 'active';
  const at = new Date(revokedAt);
  return at.getTime() > Date.now() ? `valid until ${at.toISOString()}` : 'revoked';
}

