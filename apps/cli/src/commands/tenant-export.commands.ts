import { Command, Option } from 'commander';
import { ms, printJson } from '../output';
import { InvalidInput } from '@kryonix/domain';
import { action, jsonOption } from './shared';
import { cliActor } from '../transport/agent';

export function tenantExportCommand(): Command {
  return new Command('export')
    .description("a tenant's rows as plain files for people and other software: one per table (JSON Lines or CSV) and a README of the tables and columns, from one snapshot; files 0600, not encrypted; also in the deletion grace period")
    .argument('<id>', 'tenant id')
    .addOption(new Option('--format <format>', 'json: JSON Lines, one object per row; csv: RFC 4180 with a header row (NULL an empty field, an empty string "")').choices(['json', 'csv']).makeOptionMandatory())
    .option('--out <dir or .zip>', 'a directory to make (0700), or a .zip file (default: <id>-export-<UTC time> in the current directory); it must not exist')
    .addOption(jsonOption())
    .action(
      action(async (command, id: string, opts: { format: string; out?: string; json?: boolean }) => {
        if (command.optsWithGlobals<{ api?: string }>().api) throw new InvalidInput('kryonix tenant export writes files next to the database and has no HTTP route; unset --api / KRYONIX_API_URL and run it where the database is reached.');
        const { withCore, withAuditOrigin, ExportTenantCommand } = await import('../transport/in-process');
        if (!opts.json) process.stderr.write(`Exporting tenant ${id} as ${opts.format}\n`);
        const progress = opts.json ? undefined : (t: { file: string; rows: number; durationMs: number }) => process.stderr.write(`  ${t.file.padEnd(40)} ${String(t.rows).padStart(10)} rows  ${ms(t.durationMs)}\n`);
        const result = await withCore(({ audited }) => withAuditOrigin({ actor: cliActor(), door: 'cli' }, () => audited.execute(new ExportTenantCommand({ id, format: opts.format, ...(opts.out ? { out: opts.out } : {}) }, progress))));
        if (opts.json) printJson(result);
        else process.stdout.write(`Exported ${result.tenant}: ${result.tables.length} tables, ${result.rows} rows as ${result.format} in ${ms(result.durationMs)} (snapshot of ${result.snapshotAt})\n  ${result.out}\n`);
      }),
    );
}
