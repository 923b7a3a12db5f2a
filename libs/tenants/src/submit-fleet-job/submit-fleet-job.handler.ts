import { randomUUID } from 'node:crypto';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { validateServerName } from '@kryonix/domain';
import { JobRepository, ServerDirectory } from '@kryonix/registry';
import { moveConcurrency } from '../drain-server/move-many';
import { JobView, toJobView } from '../get-job/get-job.query';
import { DrainServerPayload, JOB_KINDS, RebalancePayload } from '../jobs';
import { SubmitFleetJobCommand } from './submit-fleet-job.command';

/** A drain or a rebalance job may be taken over this often by another worker (each takeover after a crash counts one). */
const MAX_ATTEMPTS = 5;

@CommandHandler(SubmitFleetJobCommand)
export class SubmitFleetJobHandler implements ICommandHandler<SubmitFleetJobCommand, JobView> {
  constructor(
    private readonly jobs: JobRepository,
    private readonly directory: ServerDirectory,
  ) {}

  async execute({ request }: SubmitFleetJobCommand): Promise<JobView> {
    // refused now (nothing queued) when the input is wrong or the server unknown
    const concurrency = moveConcurrency(request.concurrency ?? 1);
    if (request.kind === 'drain_server') {
      const { name } = await this.directory.record(validateServerName(request.name));
      const pending = await this.jobs.findPendingWith(JOB_KINDS.drainServer, { name });
      const payload: DrainServerPayload = { name, concurrency };
      return toJobView(pending ?? (await this.jobs.enqueue({ id: randomUUID(), kind: JOB_KINDS.drainServer, payload: { ...payload }, maxAttempts: MAX_ATTEMPTS })));
    }
    const pending = await this.jobs.findPendingWith(JOB_KINDS.rebalance, {});
    const payload: RebalancePayload = { concurrency };
    return toJobView(pending ?? (await this.jobs.enqueue({ id: randomUUID(), kind: JOB_KINDS.rebalance, payload: { ...payload }, maxAttempts: MAX_ATTEMPTS })));
  }
}
