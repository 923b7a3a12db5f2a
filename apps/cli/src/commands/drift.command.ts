import { Command } from 'commander';
import { printJson } from '../output';
import { action, collect, jsonOption, refuseApi } from './shared';

export function driftCommand(): Command {
  return new Command('drift')
    .description("compare each tenant's tables, columns, indexes and constraints with what its recorded module versions produce; exit code 1 when anything differs")
    .option('--tenant <id>', 'only this tenant (repeatable, or comma-separated)', collect)
    .addOption(jsonOption())
    .action(
      action(async (command, opts: { tenant?: string[]; json?: boolean }) => {
        refuseApi(command, 'drift', 'GET /v1/drift');
        const { withCore, DetectDriftQuery } = await import('../transport/in-process');
        const report = await withCore(({ queries }) => queries.execute(new DetectDriftQuery(opts.tenant)));
        if (opts.json) printJson(report);
        else if (report.drifted.length === 0) process.stdout.write(`No drift: ${report.checked} tenant(s) match their recorded module versions.\n`);
        else {
          const lines = [`Drift in ${new Set(report.drifted.map((d) => d.tenant)).size} of ${report.checked} tenant(s):`];
          for (const d of report.drifted) {
            lines.push(`  ${d.tenant} ${d.module}@${d.version}`);
            lines.push(...d.missing.map((m) => `    - ${m}`), ...d.unexpected.map((u) => `    + ${u}`));
          }
          process.stdout.write(lines.join('\n') + '\n');
        }
        if (report.drifted.length) process.exitCode = 1;
      }),
    );
}
