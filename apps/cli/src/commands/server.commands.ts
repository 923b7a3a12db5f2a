import { Command } from 'commander';
import { InvalidInput, formatBytes, formatTags, parseByteSize, parseTags } from '@kryonix/domain';
import { printJson, printTable } from '../output';
import { action, collect, jsonOption } from './shared';
import { serviceFor } from '../transport';
import type { ServerSummary } from '@kryonix/tenants';

/** `kryonix server …`: the PostgreSQL servers tenants live on. */
export function serverCommand(): Command {
  const server = new Command('server').description('the PostgreSQL servers tenants live on (`default`: KRYONIX_DATABASE_URL or the embedded one)');
  server.addCommand(
    new Command('add')
      .description('check a PostgreSQL server and register it for tenants; its URLs are kept encrypted and never shown')
      .argument('<name>', 'a name for it: 2-40 of a-z, 0-9 and -')
      .argument('<admin-url>', 'postgres://<user>:<password>@<host>:<port>/<db> of a role that may create databases and roles')
      .option('--replication-url <url>', 'how other servers reach this one for a move (a private address), when not the admin URL')
      .option('--tag <k=v>', 'a tag placement can ask for (repeatable), e.g. region=sa-east', collect)
      .option('--max-tenants <n>', 'place at most this many tenants here')
      .option('--max-storage <size>', 'place tenants here while its Kryonix databases are under this size, e.g. 500GB')
      .option('--no-moves', 'never move tenants to or from it (the replication settings are then not checked)')
      .addOption(jsonOption())
      .action(
        action(async (command, name: string, adminUrl: string, opts: { replicationUrl?: string; tag?: string[]; maxTenants?: string; maxStorage?: string; moves: boolean; json?: boolean }) => {
          const maxTenants = opts.maxTenants === undefined ? null : /^\d+$/.test(opts.maxTenants) && Number(opts.maxTenants) >= 1 ? Number(opts.maxTenants) : NaN;
          if (Number.isNaN(maxTenants)) throw new InvalidInput(`Invalid --max-tenants "${opts.maxTenants}": give a whole number, 1 or more.`);
          const s = await (await serviceFor(command)).addServer({
            name,
            adminUrl,
            ...(opts.replicationUrl !== undefined ? { replicationUrl: opts.replicationUrl } : {}),
            tags: parseTags(opts.tag ?? []),
            maxTenants,
            maxStorageBytes: opts.maxStorage === undefined ? null : parseByteSize(opts.maxStorage, '--max-storage'),
            moves: opts.moves,
          });
          if (opts.json) return printJson(s);
          process.stdout.write(`Server ${s.name} added: PostgreSQL ${version(s.pgVersionNum)} at ${s.address}, ${s.moves ? 'ready for moves' : 'no moves'}, ${limits(s)}.\n`);
        }),
      ),
  );
  server.addCommand(
    new Command('list')
      .description('every server: state, tenants, storage, connections, whether it answers now')
      .addOption(jsonOption())
      .action(
        action(async (command, opts: { json?: boolean }) => {
          const servers = await (await serviceFor(command)).listServers();
          if (opts.json) return printJson(servers);
          printTable(
            ['NAME', 'STATE', 'VERSION', 'ADDRESS', 'TENANTS', 'STORAGE', 'CONNECTIONS', 'TAGS', 'REACHABLE'],
            servers.map((s) => [s.name, s.state, version(s.pgVersionNum), s.address, limited(s.tenants, s.maxTenants), s.storageBytes === null ? '?' : formatBytes(s.storageBytes), s.connections === null ? '?' : String(s.connections), tags(s), s.reachable ? 'yes' : `no: ${s.error}`]),
          );
        }),
      ),
  );
  server.addCommand(
    new Command('show')
      .description('one server')
      .argument('<name>', 'server name')
      .addOption(jsonOption())
      .action(
        action(async (command, name: string, opts: { json?: boolean }) => {
          const s = await (await serviceFor(command)).showServer(name);
          if (opts.json) return printJson(s);
          const lines = [
            `${s.name}`,
            `  state        ${s.state}`,
            `  address      ${s.address}${s.hasReplicationUrl ? ' (replication through its own URL)' : ''}`,
            `  version      PostgreSQL ${version(s.pgVersionNum)}`,
            `  tenants      ${limited(s.tenants, s.maxTenants)}`,
            `  storage      ${s.storageBytes === null ? '?' : formatBytes(s.storageBytes)}${s.maxStorageBytes ? ` of ${formatBytes(s.maxStorageBytes)}` : ''}`,
            `  connections  ${s.connections ?? '?'}`,
            `  tags         ${tags(s)}`,
            `  moves        ${s.moves ? 'yes' : 'no'}`,
            `  reachable    ${s.reachable ? 'yes' : `no: ${s.error}`}`,
          ];
          process.stdout.write(lines.join('\n') + '\n');
        }),
      ),
  );
  for (const [verb, state, description] of [
    ['cordon', 'cordoned', 'place no new tenant on it (its tenants stay and are served)'],
    ['uncordon', 'active', 'place tenants on it again'],
  ] as const) {
    server.addCommand(
      new Command(verb)
        .description(description)
        .argument('<name>', 'server name')
        .addOption(jsonOption())
        .action(
          action(async (command, name: string, opts: { json?: boolean }) => {
            const r = await (await serviceFor(command)).setServerState(name, state);
            if (opts.json) return printJson(r);
            process.stdout.write(`Server ${r.name} is ${r.state}.\n`);
          }),
        ),
    );
  }
  server.addCommand(
    new Command('drain')
      .description('move every tenant off it (placement picks where) and leave it cordoned; a re-run goes on with the tenants left')
      .argument('<name>', 'server name')
      .option('--concurrency <n>', 'moves at a time (1-16)', '1')
      .addOption(jsonOption())
      .action(
        action(async (command, name: string, opts: { concurrency: string; json?: boolean }) => {
          const r = await (await serviceFor(command)).drainServer(name, concurrencyOption(opts.concurrency), (p) => {
            if (opts.json) return;
            const line = p.outcome === 'moved' ? `✔ ${p.tenant} → ${p.to} ${(p.durationMs / 1000).toFixed(1)} s` : `✖ ${p.tenant}: ${p.error}`;
            process.stdout.write(`[${p.done}/${p.total}] ${line}\n`);
          });
          if (opts.json) return printJson(r);
          process.stdout.write(
            r.state === 'cordoned'
              ? `Server ${r.name} drained: ${r.moved.length} tenant(s) moved; it is cordoned.\n`
              : `Server ${r.name} still holds ${r.failed.length} tenant(s) that could not be moved; it stays draining (run the drain again to go on).\n`,
          );
          if (r.failed.length) process.exitCode = 1;
        }),
      ),
  );
  server.addCommand(
    new Command('remove')
      .description('forget a server that holds no tenant (refused otherwise)')
      .argument('<name>', 'server name')
      .addOption(jsonOption())
      .action(
        action(async (command, name: string, opts: { json?: boolean }) => {
          const r = await (await serviceFor(command)).removeServer(name);
          if (opts.json) return printJson(r);
          process.stdout.write(`Server ${r.name} removed from the registry (nothing on it was changed).\n`);
        }),
      ),
  );
  return server;
}

const version = (num: number | null) => (num === null ? '?' : `${Math.floor(num / 10000)}.${num % 10000}`);
const limited = (n: number, max: number | null) => (max ? `${n}/${max}` : String(n));
const tags = (s: Pick<ServerSummary, 'tags'>) => formatTags(s.tags) || '-';
const limits = (s: ServerSummary) => [s.maxTenants ? `at most ${s.maxTenants} tenants` : '', s.maxStorageBytes ? `at most ${formatBytes(s.maxStorageBytes)}` : '', Object.keys(s.tags).length ? `tags ${tags(s)}` : ''].filter(Boolean).join(', ') || 'no limits';

/** `kryonix rebalance`: the plan (`--dry-run`), carried out with `--yes`. */
export function rebalanceCommand(): Command {
  return new Command('rebalance')
    .description('plan the fewest tenant moves that bring every active server within 10% of its share of tenants (relative to its limit), then of storage; --yes carries them out')
    .option('--dry-run', 'print the plan, move nothing (the default without --yes)')
    .option('--yes', 'carry the plan out: the moves one after the other (or --concurrency at a time), a line each')
    .option('--concurrency <n>', 'with --yes: moves at a time (1-16)', '1')
    .addOption(jsonOption())
    .action(
      action(async (command, opts: { dryRun?: boolean; yes?: boolean; concurrency: string; json?: boolean }) => {
        if (opts.yes && opts.dryRun) throw new InvalidInput('Give --dry-run or --yes, not both.');
        const service = await serviceFor(command);
        if (opts.yes) {
          const r = await service.applyRebalance(concurrencyOption(opts.concurrency), (p) => {
            if (opts.json) return;
            const what = `${p.move.tenant}: ${p.move.from} → ${p.move.to} (${p.move.why})`;
            process.stdout.write(`[${p.done}/${p.total}] ${p.outcome === 'moved' ? `✔ ${what} ${(p.durationMs / 1000).toFixed(1)} s` : `✖ ${what}: ${p.error}`}\n`);
          });
          if (r.failed.length) process.exitCode = 1;
          if (opts.json) return printJson(r);
          return void process.stdout.write(r.moved.length + r.failed.length === 0 ? 'Balanced: no move needed.\n' : `${r.moved.length} move(s) done${r.failed.length ? `, ${r.failed.length} failed` : ''}.\n`);
        }
        const plan = await service.planRebalance();
        if (opts.json) return printJson(plan);
        printTable(['SERVER', 'TENANTS', 'LIMIT', 'STORAGE'], plan.servers.map((s) => [s.name, String(s.tenants), s.maxTenants === null ? '-' : String(s.maxTenants), formatBytes(s.storageBytes)]));
        if (plan.moves.length === 0) return void process.stdout.write('Balanced: no move needed.\n');
        process.stdout.write(`${plan.moves.length} move(s):\n${plan.moves.map((m) => `  ${m.tenant}: ${m.from} → ${m.to} (${m.why})`).join('\n')}\n`);
      }),
    );
}

/** `--concurrency` of a drain or a rebalance. */
function concurrencyOption(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= 16)) throw new InvalidInput(`Invalid --concurrency "${value}": give a whole number from 1 to 16.`);
  return n;
}
