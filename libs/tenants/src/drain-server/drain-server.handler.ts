import { Inject } from '@nestjs/common';
import { CommandBus, CommandHandler, ICommandHandler, QueryBus } from '@nestjs/cqrs';
import { validateServerName } from '@kryonix/domain';
import { KRYONIX_CONFIG, type KryonixConfig } from '@kryonix/platform';
import { TenantServers, placeTenant } from '@kryonix/provisioning';
import { MoveRepository, ServerDirectory, ServerRecordRepository, TenantRepository } from '@kryonix/registry';
import { CollectUsageQuery } from '../collect-usage/collect-usage.query';
import { MoveTenantCommand } from '../move-tenant/move-tenant.command';
import { DrainResult, DrainServerCommand } from './drain-server.command';
import { MoveLimits } from './move-limiter';
import { moveConcurrency, moveMany } from './move-many';

/**
 * `kryonix server drain <name>`: the server is marked `draining` (placement passes it over,
 * `cordon`/`uncordon` are refused), then every tenant on it is moved, `concurrency` at a
 * time, to the server placement picks among the others (the fewest tenants first, then the
 * least storage, counting the moves under way and the tenants' sizes). A tenant that cannot
 * be moved is reported and the others go on; the server ends `cordoned` once none is left
 * on it, else stays `draining` and a re-run goes on with those left (the moved ones are no
 * longer there). Run by a durable job (`jobId`), its moves carry the job's id, and the job's
 * retry after a crash first finishes or rolls back the moves its dead worker left, each to
 * the server it was going to.
 */
@CommandHandler(DrainServerCommand)
export class DrainServerHandler implements ICommandHandler<DrainServerCommand, DrainResult> {
  constructor(
    private readonly records: ServerRecordRepository,
    private readonly directory: ServerDirectory,
    private readonly tenants: TenantRepository,
    private readonly moves: MoveRepository,
    private readonly servers: TenantServers,
    private readonly limits: MoveLimits,
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {}

  async execute({ name, concurrency, onTenant, jobId }: DrainServerCommand): Promise<DrainResult> {
    const asked = moveConcurrency(concurrency);
    const server = await this.directory.record(validateServerName(name));
    if (server.state !== 'draining') await this.records.setState(server.name, 'draining');
    // what this job's dead worker left under way goes first, to the server it was going to
    const left = jobId ? (await this.moves.openForJob(jobId)).filter((m) => m.source === server.name) : [];
    const resumed = new Map(left.map((m) => [m.tenantId, m.target]));
    const tenants = [...new Set([...resumed.keys(), ...(await this.tenants.list({ server: server.name })).map((t) => t.id)])];
    const total = tenants.length;
    const others = (await this.records.list()).filter((s) => s.name !== server.name);
    const counts = await this.records.tenantCounts();
    // storage: each other server's now (null: it does not answer), plus the tenants sent there
    const storage = new Map(await Promise.all(others.map(async (s) => [s.name, (await this.servers.usageOrNull(s.name, this.config.acquireTimeoutMs))?.storageBytes ?? null] as const)));
    const sizes = new Map((await this.queries.execute(new CollectUsageQuery())).tenants.map((t) => [t.tenant, t.storageBytes]));
    // within the servers' replication limits: moves at once out of this server, and into each target
    const limiter = await this.limits.read([server.name, ...others.map((s) => s.name)]);
    const workers = Math.min(asked, limiter.sourceCap(server.name));
    const placed = new Map<string, string>();
    const candidates = (list: typeof others) => list.map((s) => ({ server: s, tenants: counts.get(s.name) ?? 0, storageBytes: storage.get(s.name) ?? null }));
    /** Where a tenant goes, its places on both servers taken and the target's counts raised in the same turn (no other worker sees them free). */
    const send = (tenant: string, to: string) => {
      counts.set(to, (counts.get(to) ?? 0) + 1);
      const bytes = storage.get(to);
      if (bytes !== null && bytes !== undefined) storage.set(to, bytes + (sizes.get(tenant) ?? 0));
      placed.set(tenant, to);
      return limiter.take(server.name, to);
    };
    /** Placement among the targets with a move to spare; while every fit one is busy, wait for one to end. */
    const pick = async (tenant: string): Promise<{ to: string; release: () => void }> => {
      for (;;) {
        const open = others.filter((s) => limiter.fits(server.name, s.name));
        try {
          const to = placeTenant(candidates(open)).server;
          return { to, release: send(tenant, to) };
        } catch {
          placeTenant(candidates(others)); // no server at all can take it: that refusal
          await limiter.released();
        }
      }
    };
    const result: DrainResult = { name: server.name, state: 'draining', moved: [], failed: [] };
    const done = () => result.moved.length + result.failed.length;
    const started = new Map<string, number>();
    await moveMany(
      tenants,
      workers,
      async (tenant) => {
        started.set(tenant, performance.now());
        const left = resumed.get(tenant);
        const { to, release } = left === undefined ? await pick(tenant) : { to: left, release: send(tenant, left) };
        try {
          await this.commands.execute(new MoveTenantCommand({ id: tenant, to }, undefined, jobId));
        } finally {
          release();
        }
        const durationMs = Math.round(performance.now() - started.get(tenant)!);
        result.moved.push({ tenant, to, durationMs });
        onTenant?.({ tenant, outcome: 'moved', to, durationMs, done: done(), total });
      },
      (tenant, error) => {
        const to = placed.get(tenant);
        if (to !== undefined) {
          counts.set(to, (counts.get(to) ?? 1) - 1);
          const bytes = storage.get(to);
          if (bytes !== null && bytes !== undefined) storage.set(to, bytes - (sizes.get(tenant) ?? 0));
        }
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
