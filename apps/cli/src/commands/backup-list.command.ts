import { Command } from 'commander';
import { TENANT_ID_PATTERN, formatBytes } from '@kryonix/domain';
import type { BackupEntry } from '@kryonix/tenants';
import { printJson, printTable } from '../output';
import { action, jsonOption } from './shared';
import { serviceFor } from '../transport';

/** `kryonix backup list [<id>]`: the catalogue of KRYONIX_BACKUP_DIR (in-process, or the control plane's with --api). */
export function backupListCommand(): Command {
  return new Command('list')
    .description('list the backups in KRYONIX_BACKUP_DIR, newest first for each tenant (id, tenant, when, size, key, modules); damaged files and files that are not backups are listed as such')
    .argument('[id]', "a tenant id: only its backups; a backup id (as listed): only that backup")
    .addOption(jsonOption())
    .action(
      action(async (command, id: string | undefined, opts: { json?: boolean }) => {
        // a backup id is never a tenant id: it has the time, in capitals (acme-20261201T030000Z), or is another file's name
        const filter = id === undefined ? {} : TENANT_ID_PATTERN.test(id) ? { tenant: id } : { id };
        const backups = await (await serviceFor(command)).listBackups(filter);
        if (opts.json) return printJson(backups);
        if (!backups.length) {
          process.stdout.write(id === undefined ? 'No backups.\n' : `No backups of ${id}.\n`);
          return;
        }
        printTable(['ID', 'TENANT', 'TAKEN AT', 'SIZE', 'KEY', 'MADE BY', 'MODULES', 'STATUS'], backups.map(row));
      }),
    );
}

function row(b: BackupEntry): string[] {
  const modules = b.modules ? Object.entries(b.modules).map(([m, v]) => `${m}@${v}`).join(',') : '-';
  const status = b.status === 'ok' ? 'ok' : `${b.status.replace('_', ' ')}: ${b.problem ?? ''}`;
  return [b.id, b.tenant ?? '-', b.takenAt.replace(/\.\d+Z$/, 'Z'), formatBytes(b.bytes), b.key === 'master' ? 'master key' : (b.key ?? '-'), b.trigger ?? '-', modules || '-', status];
}
