import { Command } from 'commander';
import ms, { StringValue } from 'ms';
import { InvalidInput } from '@kryonix/domain';
import { loadSettings } from '@kryonix/platform/light';
import { printJson } from '../output';
import { action, jsonOption } from './shared';
import { serviceFor } from '../transport';
import type { TenantService } from '../transport/tenant-service';

/** suspend, resume, rotate-key, rotate-credentials: one id in, one result out. */
function simple<R extends object>(name: string, description: string, run: (s: TenantService, id: string) => Promise<R>, human: (r: R) => string): Command {
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

/** Tenant events reach every connected data plane over PostgreSQL's LISTEN/NOTIFY (and Redis, when set) within a second. */
const EVERYWHERE = ' (in force on every data plane within 1 s)';

/** What the API accepts for overlapSeconds (7 days). */
const MAX_OVERLAP_MS = 7 * 24 * 3600 * 1000;

export function tenantLifecycleCommands(): Command[] {
  return [
    new Command('modules')
      .description('change the modules of a tenant: --set the whole list, or --add / --remove some; removed modules are detached (data kept) unless --purge --yes')
      .argument('<id>', 'tenant id')
      .option('--set <list>', 'the whole wanted list, comma-separated')
      .option('--add <list>', 'modules to add, comma-separated')
      .option('--remove <list>', 'modules to remove, comma-separated')
      .option('--purge', 'drop the schemas (and data) of removed modules')
      .option('-y, --yes', 'confirm --purge')
      .addOption(jsonOption())
      .action(
        action(async (command, id: string, opts: { set?: string; add?: string; remove?: string; purge?: boolean; yes?: boolean; json?: boolean }) => {
          if (!opts.set && !opts.add && !opts.remove) throw new InvalidInput('Say what to change: --set <list>, --add <list> or --remove <list>.');
          if (opts.purge && !opts.yes) throw new InvalidInput(`--purge drops the data of the removed modules of "${id}" for good; add --yes to confirm.`);
          const service = await serviceFor(command);
          const list = (s?: string) => (s ? s.split(',').map((m) => m.trim()).filter(Boolean) : []);
          let wanted = list(opts.set);
          if (!opts.set) {
            const current = (await service.show(id)).modules;
            wanted = [...current.filter((m) => !list(opts.remove).includes(m)), ...list(opts.add).filter((m) => !current.includes(m))];
          }
          const result = await service.changeModules(id, wanted, Boolean(opts.purge));
          if (opts.json) return printJson(result);
          const parts = [`Tenant ${result.id} now has: ${result.modules.join(', ')}.`];
          if (result.added.length) parts.push(`Added: ${result.added.join(', ')}.`);
          if (result.removed.length) parts.push(result.purged.length ? `Removed and dropped: ${result.purged.join(', ')}.` : `Detached (data kept): ${result.removed.join(', ')}.`);
          process.stdout.write(parts.join(' ') + '\n');
        }),
      ),
    new Command('rate-limit')
      .description("set the tenant's data-plane limit in requests per minute, or 'default' for KRYONIX_RATE_LIMIT")
      .argument('<id>', 'tenant id')
      .argument('<perMinute>', "requests per minute, or 'default'")
      .addOption(jsonOption())
      .action(
        action(async (command, id: string, value: string, opts: { json?: boolean }) => {
          const perMinute = value === 'default' ? null : /^\d+$/.test(value) ? Number(value) : NaN;
          if (perMinute !== null && (Number.isNaN(perMinute) || perMinute < 1 || perMinute > 10_000_000)) {
            throw new InvalidInput(`Invalid limit "${value}": give 1 to 10,000,000 requests per minute (e.g. 600), or 'default'.`);
          }
          const r = await (await serviceFor(command)).setRateLimit(id, perMinute);
          if (opts.json) return printJson(r);
          const where = loadSettings(process.env, 'cli').redisUrl ? 'shared by every data plane through Redis' : 'counted by each data-plane process on its own (no REDIS_URL: there is no shared count)';
          process.stdout.write(`Tenant ${r.id}: ${r.rateLimitPerMinute === null ? 'the default rate limit' : `${r.rateLimitPerMinute} requests per minute`}${EVERYWHERE}, ${where}.\n`);
        }),
      ),
    simple('suspend', "suspend a tenant: its role can no longer log in and the data plane refuses it", (s, id) => s.suspend(id), (r) => `Tenant ${r.id} is suspended${EVERYWHERE}.`),
    simple('resume', 'resume a suspended tenant', (s, id) => s.resume(id), (r) => `Tenant ${r.id} is active${EVERYWHERE}.`),
    simple('undelete', 'bring a deleted tenant back as it was (status, role, keys, data), within its grace period', (s, id) => s.undelete(id), (r) => `Tenant ${r.id} is back, ${r.status}${EVERYWHERE}.`),
    new Command('rotate-key')
      .description('issue a new API key (shown once) and revoke the old one, now or after --overlap')
      .argument('<id>', 'tenant id')
      .option('--overlap <duration>', 'keep the old key valid this long (e.g. 10m, 1h, 2d; at most 7d)', '0')
      .addOption(jsonOption())
      .action(
        action(async (command, id: string, opts: { overlap: string; json?: boolean }) => {
          const overlapMs = /^\d+$/.test(opts.overlap) ? Number(opts.overlap) * 1000 : ms(opts.overlap as StringValue);
          if (typeof overlapMs !== 'number' || Number.isNaN(overlapMs) || overlapMs < 0) throw new InvalidInput(`Invalid --overlap "${opts.overlap}": use a duration such as 10m, 1h or 2d.`);
          if (overlapMs > MAX_OVERLAP_MS) throw new InvalidInput(`Invalid --overlap "${opts.overlap}": at most 7d.`);
          const r = await (await serviceFor(command)).rotateKey(id, overlapMs);
          if (opts.json) return printJson(r);
          const until = overlapMs > 0 ? `keeps working until ${new Date(r.previousKeysValidUntil).toISOString()}` : 'is revoked';
          process.stdout.write(`New API key for ${r.id}: ${r.apiKey}\n  shown only this once: store it now; the previous key ${until}${overlapMs > 0 ? '' : EVERYWHERE}.\n`);
        }),
      ),
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
