import { randomUUID } from 'node:crypto';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Provisioner } from '@kryonix/provisioning';
import { JobRepository, TenantRepository } from '@kryonix/registry';
import { TenantAlreadyExists, TenantBusy } from '@kryonix/domain';
import { JobView, toJobView } from '../get-job/get-job.query';
import { SubmitCreateTenantCommand } from './submit-create-tenant.command';
import { JOB_KINDS } from '../jobs';

@CommandHandler(SubmitCreateTenantCommand)
export class SubmitCreateTenantHandler implements ICommandHandler<SubmitCreateTenantCommand, JobView> {
  constructor(
    private readonly provisioner: Provisioner,
    private readonly tenants: TenantRepository,
    private readonly jobs: JobRepository,
  ) {}

  async execute({ input }: SubmitCreateTenantCommand): Promise<JobView> {
    const request = this.provisioner.validate(input);
    // A clear 409 now rather than a failed job later; the job itself still handles races.
    if (await this.tenants.findById(request.id)) throw new TenantAlreadyExists(request.id);
    // One queued create per id: a second would race the first.
    if (await this.jobs.findPending(JOB_KINDS.createTenant, request.id)) throw new TenantBusy(request.id);
    const job = await this.jobs.enqueue({ id: randomUUID(), kind: JOB_KINDS.createTenant, tenantId: request.id, payload: request });
    return toJobView(job);
  }
}
