import { CommandBus, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { InvalidInput, KryonixError, validateServerName } from '@kryonix/domain';
import { placeTenant } from '@kryonix/provisioning';
import { ServerDirectory, ServerRecordRepository, TenantRepository } from '@kryonix/registry';
import { MoveTenantCommand } from '../move-tenant/move-tenant.command';
import { DrainResult, DrainServerCommand } from './drain-server.command';

/** The most moves a drain runs at once (each holds a replication slot and a sync worker). */
const MAX_CONCURRENCY = 16;

/**
 * `kryonix server drain <name>`: the server is marked `draining` (placement passes it over,
 * `cordon`/`uncordon` are refused), then every tenant on it is moved, `concurrency` at a
 * time, to the server placement picks among the others (the fewest tenants first, counting
 * the moves under way). A tenant that cannot be moved is reported and the others go on; the
 * server ends `cordoned` once none is left on it, else stays `draining` and a re-run goes on
 * with those left (the moved ones are no longer there).
 */
@CommandHandler(DrainServerCommand)
export class DrainServerHandler implements ICommandHandler<DrainServerCommand, DrainResult> {
  constructor(
    private readonly records: ServerRecordRepository,
    private readonly directory: ServerDirectory,
    private readonly tenants: TenantRepository,
    private readonly commands: CommandBus,
  ) {}

  async execute({ name, concurrency, onTenant }: DrainServerCommand): Promise<DrainResult> {
    const workers = drainConcurrency(concurrency);
    const server = await this.directory.record(validateServerName(name));
    if (server.state !== 'draining') await this.records.setState(server.name, 'draining');
    const queue = (await this.tenants.list({ server: server.name })).map((t) => t.id);
    const total = queue.length;
    const others = (await this.records.list()).filter((s) => s.name !== server.name);
    const counts = await this.records.tenantCounts();
    const result: DrainResult = { name: server.name, state: 'draining', moved: [], failed: [] };
    const next = async (): Promise<void> => {
      for (let tenant = queue.shift(); tenant !== undefined; tenant = queue.shift()) {
        const started = performance.now();
        let to: string | undefined;
        try {
          to = placeTenant(others.map((s) => ({ server: s, tenants: counts.get(s.name) ?? 0, storageBytes: null }))).server;
          counts.set(to, (counts.get(to) ?? 0) + 1);
          await this.commands.execute(new MoveTenantCommand({ id: tenant, to }));
          const durationMs = Math.round(performance.now() - started);
          result.moved.push({ tenant, to, durationMs });
          onTenant?.({ tenant, outcome: 'moved', to, durationMs, done: result.moved.length + result.failed.length, total });
        } catch (error) {
          if (to !== undefined) counts.set(to, (counts.get(to) ?? 1) - 1);
          const message = error instanceof KryonixError || error instanceof Error ? error.message : String(error);
          result.failed.push({ tenant, error: message });
          onTenant?.({ tenant, outcome: 'failed', error: message, durationMs: Math.round(performance.now() - started), done: result.moved.length + result.failed.length, total });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(workers, Math.max(total, 1)) }, next));
    if ((await this.tenants.list({ server: server.name })).length === 0) {
      await this.records.setState(server.name, 'cordoned');
      result.state = 'cordoned';
    }
    return result;
  }
}

function drainConcurrency(value: unknown): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY) {
    throw new InvalidInput(`Invalid concurrency "${String(value)}": give a whole number from 1 to ${MAX_CONCURRENCY}.`, { field: 'concurrency' });
  }
  return n;
}
