import { Command, Option } from 'commander';
import { formatBytes } from '@kryonix/domain';
import type { CopyProgress } from '@kryonix/tenants';
import { ms, printJson, stepPrinter } from '../output';
import { action, jsonOption } from './shared';
import { serviceFor } from '../transport';

/** A line while the copy runs (every KRYONIX_MOVE_PROGRESS_MS), under the phases. */
function progressLine(p: CopyProgress): void {
  process.stdout.write(`    copy ${p.tablesDone}/${p.tablesTotal} tables, ${p.rows} rows, lag ${p.lagBytes === null ? '?' : formatBytes(p.lagBytes)}, ${ms(p.elapsedMs)}\n`);
}

/** With --json the result alone is on stdout; the progress goes to stderr, one JSON event a line. */
function progressEvent(p: CopyProgress): void {
  process.stderr.write(`${JSON.stringify({ event: 'copy_progress', ...p })}\n`);
}

export function tenantMoveCommand(): Command {
  return new Command('move')
    .description('move a live tenant to another server (logical replication, a short pause at the cut-over); a move whose process died is finished or rolled back by `tenant repair`')
    .argument('<id>', 'tenant id')
    .requiredOption('--to <server>', 'the server to move it to (see `kryonix server list`)')
    .addOption(new Option('--attempts <n>', 'cut-over attempts before the move gives up (each pauses writes at most KRYONIX_MOVE_MAX_PAUSE)').default('3'))
    .addOption(jsonOption())
    .action(
      action(async (command, id: string, opts: { to: string; attempts: string; json?: boolean }) => {
        const service = await serviceFor(command);
        const result = await service.move({ id, to: opts.to, attempts: Number(opts.attempts) }, stepPrinter(!opts.json, `Moving tenant ${id} to ${opts.to}`), opts.json ? progressEvent : progressLine);
        if (opts.json) return printJson(result);
        const lines = [
          '',
          `Moved tenant ${result.tenant} from ${result.source} to ${result.target} in ${ms(result.durationMs)}`,
          `  cut-over   ${result.pauseMs === null ? '—' : ms(result.pauseMs)} pause (attempt ${result.attempts})`,
          `  copied     ${result.tables} tables${result.rows === null ? '' : `, ${result.rows} rows`}`,
          `  verified   ${result.verified === null ? 'not compared (finished by a repair)' : result.verified ? 'checksums equal on both servers' : 'CHECKSUMS DIFFER'}`,
          `  source     ${result.sourceKeptUntil ? `copy kept on ${result.source} without access until ${new Date(result.sourceKeptUntil).toISOString()}` : 'copy kept'}`,
        ];
        process.stdout.write(lines.join('\n') + '\n');
      }),
    );
}
