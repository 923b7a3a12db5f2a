import { randomUUID } from 'node:crypto';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { JobRepository, TenantRepository } from '@kryonix/registry';
import { JOB_KINDS } from '../jobs';
import { PurgeExpiredTenantsCommand } from './purge-expired.command';

/** Purges are durable jobs: a crash mid-purge is finished by the next worker. Returns the tenants queued. */
@CommandHandler(PurgeExpiredTenantsCommand)
export class PurgeExpiredTenantsHandler implements ICommandHandler<PurgeExpiredTenantsCommand, string[]> {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly jobs: JobRepository,
  ) {}

  async execute(): Promise<string[]> {
    const queued: string[] = [];
    for (const id of await this.tenants.dueForPurge()) {
      if (await this.jobs.findPending(JOB_KINDS.purgeTenant, id)) continue;
      const tenant = await this.tenants.findById(id);
      if (!tenant) continue;
      await this.jobs.enqueue({ id: randomUUID(), kind: JOB_KINDS.purgeTenant, tenantId: id, payload: { id, createdAt: tenant.createdAt.toISOString() } });
      queued.push(id);
    }
    return queued;
  }
}
