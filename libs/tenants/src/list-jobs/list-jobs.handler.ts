import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { InvalidInput } from '@kryonix/domain';
import { JobRepository } from '@kryonix/registry';
import { JobView, toJobView } from '../get-job/get-job.query';
import { ListJobsQuery } from './list-jobs.query';

@QueryHandler(ListJobsQuery)
export class ListJobsHandler implements IQueryHandler<ListJobsQuery, JobView[]> {
  constructor(private readonly jobs: JobRepository) {}

  async execute({ limit, kind }: ListJobsQuery): Promise<JobView[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new InvalidInput(`Invalid limit ${limit}: give 1 to 500 jobs.`, { field: 'limit' });
    return (await this.jobs.recent(limit, kind)).map(toJobView);
  }
}
