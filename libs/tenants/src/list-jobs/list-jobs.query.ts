import { Query } from '@nestjs/cqrs';
import type { JobView } from '../get-job/get-job.query';

/** The newest durable jobs (of one kind, when given), newest first; no secret of a result. */
export class ListJobsQuery extends Query<JobView[]> {
  constructor(
    readonly limit = 20,
    readonly kind?: string,
  ) {
    super();
  }
}
