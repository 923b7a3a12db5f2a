import { CommandBus, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { validateServerName } from '@kryonix/domain';
import { placeTenant } from '@kryonix/provisioning';
import { ServerDirectory, ServerRecordRepository, TenantRepository } from '@kryonix/registry';
import { MoveTenantCommand } from '../move-tenant/move-tenant.command';
import { DrainResult, DrainServerCommand } from './drain-server.command';
import { moveConcurrency, moveMany } from './move-many';

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
    const workers = moveConcurrency(concurrency);
    const server = await this.directory.record(validateServerName(name));
    if (server.state !== 'draining') await this.records.setState(server.name, 'draining');
    const tenants = (await this.tenants.list({ server: server.name })).map((t) => t.id);
    const total = tenants.length;
    const others = (await this.records.list()).filter((s) => s.name !== server.name);
    const counts = await this.records.tenantCounts();
    const result: DrainResult = { name: server.name, state: 'draining', moved: [], failed: [] };
    const done = () => result.moved.length + result.failed.length;
    const started = new Map<string, number>();
    const placed = new Map<string, string>();
    await moveMany(
      tenants,
      workers,
      async (tenant) => {
        started.set(tenant, performance.now());
        const to = placeTenant(others.map((s) => ({ server: s, tenants: counts.get(s.name) ?? 0, storageBytes: null }))).server;
        counts.set(to, (counts.get(to) ?? 0) + 1);
        placed.set(tenant, to);
        await this.commands.execute(new MoveTenantCommand({ id: tenant, to }));
        const durationMs = Math.round(performance.now() - started.get(tenant)!);
        result.moved.push({ tenant, to, durationMs });
        onTenant?.({ tenant, outcome: 'moved', to, durationMs, done: done(), total });
      },
      (tenant, error) => {
        const to = placed.get(tenant);
        if (to !== undefined) counts.set(to, (counts.get(to) ?? 1) - 1);
        result.failed.push({ tenant, error });
        onTenant?.({ tenant, outcome: 'failed', error, durationMs: Math.round(performance.now() - (started.get(tenant) ?? performance.now())), done: done(), total });
      },
    );
    if ((await this.tenants.list({ server: server.name })).length === 0) {
      await this.records.setState(server.name, 'cordoned');
      result.state = 'cordoned';
    }
    return result;
  }
}
