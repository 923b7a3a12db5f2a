import { randomUUID } from 'node:crypto';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { JobRepository } from '@kryonix/registry';
import { JobView, toJobView } from '../get-job/get-job.query';
import { JOB_KINDS } from '../jobs';
import { SubmitDriftCheckCommand } from './submit-drift-check.command';

@CommandHandler(SubmitDriftCheckCommand)
export class SubmitDriftCheckHandler implements ICommandHandler<SubmitDriftCheckCommand, JobView> {
  constructor(private readonly jobs: JobRepository) {}

  async execute(): Promise<JobView> {
    return toJobView(await this.jobs.enqueue({ id: randomUUID(), kind: JOB_KINDS.detectDrift, payload: {}, maxAttempts: 1 }));
  }
}
