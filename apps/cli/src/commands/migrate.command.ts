import { Command, Option } from 'commander';
import { InvalidInput } from '@kryonix/domain';
import { printJson } from '../output';
import { action, collect, jsonOption, refuseApi } from './shared';
import { cliActor } from '../transport/agent';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('bring every tenant (or the selected ones) to the latest module versions; tenants already there are skipped from the ledger alone')
    .option('--tenant <id>', 'only this tenant (repeatable, or comma-separated)', collect)
    .option('--module <name>', 'only this module (repeatable, or comma-separated)', collect)
    .addOption(new Option('--concurrency <n>', 'tenants migrated at once').default('4').env('KRYONIX_MIGRATE_CONCURRENCY'))
    .option('--concurrency-per-server <n>', 'at most n tenants of one PostgreSQL server at once (default: no limit beyond --concurrency)')
    .option('--dry-run', 'show the plan, change nothing')
    .option('--canary <n>', 'migrate n tenants first, one by one, and stop if any fails')
    .option('--continue-on-error', 'go on with the other tenants after a failure')
    .addOption(jsonOption())
    .action(
      action(async (command, opts: { tenant?: string[]; module?: string[]; concurrency: string; concurrencyPerServer?: string; dryRun?: boolean; canary?: string; continueOnError?: boolean; json?: boolean }) => {
        refuseApi(command, 'migrate', 'POST /v1/migrations');
        const concurrency = Number(opts.concurrency);
        const canary = opts.canary === undefined ? 0 : Number(opts.canary);
        if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new InvalidInput('--concurrency must be an integer from 1 to 64.');
        const perServer = opts.concurrencyPerServer === undefined ? undefined : Number(opts.concurrencyPerServer);
        if (perServer !== undefined && (!Number.isInteger(perServer) || perServer < 1 || perServer > 64)) throw new InvalidInput('--concurrency-per-server must be an integer from 1 to 64.');
        if (!Number.isInteger(canary) || canary < 0) throw new InvalidInput('--canary must be a non-negative integer.');
        const { withCore, withAuditOrigin, MigrateFleetCommand, SingleBar, Presets } = await import('../transport/in-process');
        const bar = opts.json || !process.stderr.isTTY ? undefined : new SingleBar({ format: 'migrating |{bar}| {value}/{total} tenants  {rate}/s  ETA {eta_formatted}  {last}', stream: process.stderr, hideCursor: true }, Presets.shades_classic);
        const started = Date.now();
        const planLines = (r: { target: Record<string, number>; selected: number; upToDate: number; planned: unknown[] }) => [
          `Target: ${Object.entries(r.target).map(([m, v]) => `${m}@${v}`).join(', ')}`,
          `${r.selected} tenant(s) selected, ${r.upToDate} already at the target, ${r.planned.length} to migrate.`,
        ];
        // In text mode the plan is printed before the progress bar starts, the outcome after it.
        let planShown = false;
        // Audited by the core as `fleet.migrate`, door `cli`.
        const report = await withCore(({ audited }) =>
          withAuditOrigin({ actor: cliActor(), door: 'cli' }, () => audited.execute(
            new MigrateFleetCommand({
              tenants: opts.tenant,
              modules: opts.module,
              concurrency,
              ...(perServer ? { concurrencyPerServer: perServer } : {}),
              canary,
              dryRun: opts.dryRun,
              continueOnError: opts.continueOnError,
              onPlan: (plan) => {
                if (opts.json) return;
                process.stdout.write(planLines(plan).join('\n') + '\n');
                planShown = true;
              },
              onProgress: (e) => {
                if (!bar) return;
                if (e.done === 1) bar.start(e.total, 0, { rate: '0', last: '' });
                bar.update(e.done, { rate: (e.done / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(1), last: `${e.tenant} ${e.status}` });
              },
            }),
          )),
        );
        bar?.stop();
        if (opts.json) printJson(report);
        else {
          const lines = planShown ? [] : planLines(report);
          if (report.dryRun) lines.push(...report.planned.map((p) => `  ${p.tenant}: ${p.steps.map((s) => `${s.module} ${s.from}→${s.to}`).join(', ')}`));
          else if (report.planned.length === 0 && !report.skipped.length) lines.push('Nothing to migrate: every selected tenant is at the target.');
          else if (report.planned.length) {
            lines.push(`Migrated ${report.migrated.length} in ${(report.durationMs / 1000).toFixed(2)} s (${(report.migrated.length / Math.max(report.durationMs / 1000, 0.001)).toFixed(1)} tenants/s).`);
            if (report.failed.length) lines.push(`Failed (${report.failed.length}):`, ...report.failed.map((f) => `  ${f.tenant}: ${f.error}`));
            if (report.notAttempted.length) lines.push(`Not attempted after the failure (${report.notAttempted.length}); re-run to resume${report.failed.length ? ', or use --continue-on-error' : ''}.`);
          }
          // a move carries no DDL: those tenants are migrated by the next run, once moved
          if (report.skipped.length) lines.push(`Skipped (${report.skipped.length}), picked up by the next run: ${report.skipped.map((s) => `${s.tenant} (${s.reason})`).join(', ')}.`);
          process.stdout.write(lines.join('\n') + '\n');
        }
        // 0 only when every selected tenant is at the target.
        if (!report.dryRun && (report.failed.length || report.notAttempted.length)) process.exitCode = 1;
      }),
    );
}
