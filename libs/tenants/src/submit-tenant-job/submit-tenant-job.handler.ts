import { randomUUID } from 'node:crypto';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { TenantNotFound, validateTenantId } from '@kryonix/domain';
import { ModuleCatalog } from '@kryonix/modules';
import { JobRepository, TenantRepository } from '@kryonix/registry';
import { JobView, toJobView } from '../get-job/get-job.query';
import { MoveRefusals } from '../move-tenant/move-refusals';
import { SubmitTenantJobCommand } from './submit-tenant-job.command';

@CommandHandler(SubmitTenantJobCommand)
export class SubmitTenantJobHandler implements ICommandHandler<SubmitTenantJobCommand, JobView> {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly catalog: ModuleCatalog,
    private readonly jobs: JobRepository,
    private readonly moves: MoveRefusals,
  ) {}

  async execute({ request }: SubmitTenantJobCommand): Promise<JobView> {
    const id = validateTenantId(request.id);
    if (request.kind === 'move_tenant') {
      // refused now (nothing queued) when a check fails; the job re-checks when it runs
      const pending = await this.jobs.findPending(request.kind, id);
      if (pending) return toJobView(pending);
      const checked = await this.moves.check(request);
      return toJobView(await this.jobs.enqueue({ id: randomUUID(), kind: request.kind, tenantId: id, payload: { id, to: checked.target.name, attempts: checked.attempts }, maxAttempts: 3 }));
    }
    const tenant = await this.tenants.findById(id);
    if (!tenant) throw new TenantNotFound(id);
    const payload =
      request.kind === 'change_modules'
        ? { id, modules: this.catalog.resolve(request.modules).map((m) => m.name), purge: request.purge }
        : { id, createdAt: tenant.createdAt.toISOString() };
    // The same purge already queued is that job, not a second one.
    const pending = request.kind === 'purge_tenant' ? await this.jobs.findPending(request.kind, id) : undefined;
    return toJobView(pending ?? (await this.jobs.enqueue({ id: randomUUID(), kind: request.kind, tenantId: id, payload })));
  }
}
