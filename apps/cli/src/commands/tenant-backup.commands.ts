import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { InvalidInput } from '@kryonix/domain';
import { ms, printJson, printTenantSummary, stepPrinter } from '../output';
import { join } from 'node:path';
import { loadSettings } from '@kryonix/platform/light';
import { action, jsonOption } from './shared';
import { cliActor } from '../transport/agent';
import { apiServiceFor } from '../transport';

/** The passphrase of --passphrase-file: the file's first line (never an argument: it would show in `ps`). */
function passphraseFrom(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidInput(`Cannot read the passphrase file ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`, { field: 'passphrase-file' });
  }
  return text.split(/\r?\n/)[0]!;
}

const passphraseOption = () => new Option('--passphrase-file <file>', 'encrypt under a key from the passphrase on the first line of this file (scrypt), to restore on another installation; default: a key derived from the master key');

/** A line of progress per table, on stderr (stdout stays the result). */
const tablePrinter = (enabled: boolean) => (enabled ? (p: { table: string; rows: number; durationMs: number }) => process.stderr.write(`  ${p.table.padEnd(40)} ${String(p.rows).padStart(10)} rows  ${ms(p.durationMs)}\n`) : undefined);

export function tenantBackupCommand(): Command {
  return new Command('backup')
    .description("one tenant's rows from one consistent snapshot into one compressed, encrypted file (0600); the tenant keeps being served")
    .argument('<id>', 'tenant id')
    .option('--out <file>', 'the file to write (default: $KRYONIX_BACKUP_DIR/<id>-<UTC time>.kxbackup)')
    .addOption(passphraseOption())
    .addOption(jsonOption())
    .action(
      action(async (command, id: string, opts: { out?: string; passphraseFile?: string; json?: boolean }) => {
        const passphrase = passphraseFrom(opts.passphraseFile);
        const api = apiServiceFor(command);
        if (!opts.json) process.stderr.write(`Backing up tenant ${id}${api ? ' on the control plane' : ''}\n`);
        let result;
        if (api) {
          // made in the control plane's KRYONIX_BACKUP_DIR, then downloaded here (--out, else this machine's KRYONIX_BACKUP_DIR)
          const out = (backupId: string) => opts.out ?? join(loadSettings(process.env, 'cli').backupDir, `${backupId}.kxbackup`);
          result = await api.backup({ id, ...(passphrase !== undefined ? { passphrase } : {}) }, out, tablePrinter(!opts.json));
        } else {
          const { withCore, withAuditOrigin, BackupTenantCommand } = await import('../transport/in-process');
          result = await withCore(({ audited }) => withAuditOrigin({ actor: cliActor(), door: 'cli' }, () => audited.execute(new BackupTenantCommand({ id, ...(opts.out ? { out: opts.out } : {}), ...(passphrase !== undefined ? { passphrase } : {}) }, tablePrinter(!opts.json)))));
        }
        if (opts.json) printJson(result);
        else process.stdout.write(`Backed up ${result.tenant}: ${result.tables.length} tables, ${result.rows} rows, ${result.bytes} bytes in ${ms(result.durationMs)} (encrypted with the ${result.encryption === 'passphrase' ? 'passphrase' : 'master key'})\n  ${result.file}\n`);
      }),
    );
}

export function tenantRestoreCommand(): Command {
  return new Command('restore')
    .description("a new tenant from a backup file: made at the backup's module versions, every row loaded and checked against the backup, migrated to the current versions, activated with a new API key; nothing is left if anything fails")
    .argument('<file>', 'a file written by `kryonix tenant backup`')
    .option('--as <new-id>', "the new tenant's id (default: the backup's, when no tenant has it)")
    .addOption(new Option('--mode <mode>', "isolation of the new tenant (default: the backup's)").choices(['database', 'schema']))
    .option('--server <name>', 'the PostgreSQL server to make it on (default: placement, as for create)')
    .option('--replace <id>', "restore over this existing tenant (its own backup only): restored beside it, then swapped in; same id, role and API keys; the replaced copy kept without access for KRYONIX_DELETE_GRACE")
    .addOption(passphraseOption())
    .addOption(jsonOption())
    .action(
      action(async (command, file: string, opts: { as?: string; mode?: string; server?: string; replace?: string; passphraseFile?: string; json?: boolean }) => {
        const passphrase = passphraseFrom(opts.passphraseFile);
        const input = { file, ...(opts.as ? { as: opts.as } : {}), ...(opts.mode ? { mode: opts.mode } : {}), ...(opts.server ? { server: opts.server } : {}), ...(opts.replace ? { replace: opts.replace } : {}), ...(passphrase !== undefined ? { passphrase } : {}) };
        const api = apiServiceFor(command);
        let restored;
        if (api) {
          // uploaded (checked whole by the control plane), then restored there as a durable job (with --replace too)
          if (!opts.json) process.stderr.write(`Uploading ${file} to the control plane\n`);
          restored = await api.restore(input, stepPrinter(!opts.json, `Restoring ${file}`), tablePrinter(!opts.json));
        } else {
          const { withCore, withAuditOrigin, RestoreTenantCommand } = await import('../transport/in-process');
          restored = await withCore(({ audited }) =>
            withAuditOrigin({ actor: cliActor(), door: 'cli' }, () => audited.execute(new RestoreTenantCommand(input, stepPrinter(!opts.json, `Restoring ${file}`), tablePrinter(!opts.json)))),
          );
        }
        if (opts.json) printJson(restored);
        else {
          printTenantSummary(restored, restored.replaced ? 'Replaced' : 'Restored');
          process.stdout.write(`  from      ${restored.restoredFrom.tenant} of ${restored.restoredFrom.createdAt} (${restored.tables} tables, ${restored.rows} rows, every checksum matched)\n`);
          if (restored.replaced) process.stdout.write(`  kept      the replaced copy, without access, until its purge after KRYONIX_DELETE_GRACE: ${JSON.stringify(restored.replaced)}\n`);
        }
      }),
    );
}

export function tenantCloneCommand(): Command {
  return new Command('clone')
    .description("a new tenant with a copy of another's rows (backup + restore streamed, no file): its own role and API key; the source keeps being served")
    .argument('<source-id>', 'the tenant to copy')
    .argument('<new-id>', "the copy's id")
    .option('--name <name>', "the copy's company name (default: the source's)")
    .addOption(new Option('--mode <mode>', "isolation of the copy (default: the source's)").choices(['database', 'schema']))
    .option('--server <name>', 'the PostgreSQL server to make it on (default: placement, as for create)')
    .addOption(jsonOption())
    .action(
      action(async (command, source: string, id: string, opts: { name?: string; mode?: string; server?: string; json?: boolean }) => {
        const input = { source, id, ...(opts.name ? { name: opts.name } : {}), ...(opts.mode ? { mode: opts.mode } : {}), ...(opts.server ? { server: opts.server } : {}) };
        const api = apiServiceFor(command);
        let cloned;
        if (api) cloned = await api.clone(input, stepPrinter(!opts.json, `Cloning ${source} to ${id}`), tablePrinter(!opts.json));
        else {
          const { withCore, withAuditOrigin, CloneTenantCommand } = await import('../transport/in-process');
          cloned = await withCore(({ audited }) =>
            withAuditOrigin({ actor: cliActor(), door: 'cli' }, () => audited.execute(new CloneTenantCommand(input, stepPrinter(!opts.json, `Cloning ${source} to ${id}`), tablePrinter(!opts.json)))),
          );
        }
        if (opts.json) printJson(cloned);
        else {
          printTenantSummary(cloned, 'Cloned');
          process.stdout.write(`  from      ${source} as of ${cloned.restoredFrom.createdAt} (${cloned.tables} tables, ${cloned.rows} rows, every checksum matched)\n`);
        }
      }),
    );
}
