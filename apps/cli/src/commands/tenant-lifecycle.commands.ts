import { Command } from 'commander';
import { InvalidInput } from '@kryonix/domain';
import { printJson } from '../output';
import { action, jsonOption, serviceFor } from './shared';
import type { TenantService } from '../tenant-service';

/** suspend, resume, rotate-key, rotate-credentials: one id in, one result out. */
function simple(name: string, description: string, run: (s: TenantService, id: string) => Promise<object>, human: (r: any) => string): Command {
  return new Command(name)
    .description(description)
    .argument('<id>', 'tenant id')
    .addOption(jsonOption())
    .action(
      action(async (command, id: string, opts: { json?: boolean }) => {
        const result = await run(await serviceFor(command), id);
        if (opts.json) printJson(result);
        else process.stdout.write(human(result) + '\n');
      }),
    );
}

export function tenantLifecycleCommands(): Command[] {
  return [
    simple('suspend', "suspend a tenant: its role can no longer log in and the data plane refuses it", (s, id) => s.suspend(id), (r) => `Tenant ${r.id} is suspended.`),
    simple('resume', 'resume a suspended tenant', (s, id) => s.resume(id), (r) => `Tenant ${r.id} is active.`),
    simple('rotate-key', 'issue a new API key (shown once) and revoke the old one', (s, id) => s.rotateKey(id), (r) => `New API key for ${r.id}: ${r.apiKey}\n  shown only this once: store it now; the previous key is revoked.`),
    simple('rotate-credentials', "give the tenant's database role a new password (kept encrypted, not shown)", (s, id) => s.rotateCredentials(id), (r) => `New password set for role ${r.role} of tenant ${r.id}.`),
    new Command('delete')
      .description(`delete a tenant: refused at once, data kept for KRYONIX_DELETE_GRACE (default 7d) then purged; --purge drops everything now`)
      .argument('<id>', 'tenant id')
      .option('--purge', 'drop the database or schemas, the role and the files now')
      .option('-y, --yes', 'confirm --purge (required: it cannot be undone)')
      .addOption(jsonOption())
      .action(
        action(async (command, id: string, opts: { purge?: boolean; yes?: boolean; json?: boolean }) => {
          if (opts.purge && !opts.yes) throw new InvalidInput(`--purge drops tenant "${id}"'s data for good; add --yes to confirm.`);
          const result = await (await serviceFor(command)).delete(id, Boolean(opts.purge));
          if (opts.json) return printJson(result);
          process.stdout.write(
            result.status === 'purged'
              ? `Tenant ${result.id} is purged: database or schemas, role, files and registry row are gone.\n`
              : `Tenant ${result.id} is deleted: refused from now on; its data is kept until ${new Date(result.purgeAfter!).toISOString()}.\n`,
          );
        }),
      ),
  ];
}
