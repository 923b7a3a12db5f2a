import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { InvalidInput, JobNotFound } from '@kryonix/domain';
import { SecretBox } from '@kryonix/platform';
import { JobRepository } from '@kryonix/registry';
import { GetJobQuery, JobView, toJobView } from './get-job.query';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A job's state. The API key of a finished create is revealed by the first
 * read only: it is kept encrypted until then and removed as it is shown.
 */
@QueryHandler(GetJobQuery)
export class GetJobHandler implements IQueryHandler<GetJobQuery, JobView> {
  constructor(
    private readonly jobs: JobRepository,
    private readonly secrets: SecretBox,
  ) {}

  async execute({ id }: GetJobQuery): Promise<JobView> {
    if (!UUID.test(id)) throw new InvalidInput(`Invalid job id "${id.slice(0, 60)}": job ids are UUIDs.`);
    const job = await this.jobs.find(id);
    if (!job) throw new JobNotFound(id);
    const view = toJobView(job);
    if (job.status === 'succeeded' && job.result?.apiKeyEnc) {
      const envelope = await this.jobs.takeResultKey(id, 'apiKeyEnc');
      if (envelope) view.result = { ...view.result, apiKey: this.secrets.decrypt(envelope, `job:${id}`) };
    }
    return view;
  }
}
