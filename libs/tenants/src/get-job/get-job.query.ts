import { Query } from '@nestjs/cqrs';
import type { JobRecord } from '@kryonix/registry';

export interface JobView {
  id: string;
  kind: string;
  tenantId: string | null;
  status: JobRecord['status'];
  attempts: number;
  maxAttempts: number;
  error: string | null;
  result: Record<string, unknown> | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export class GetJobQuery extends Query<JobView> {
  constructor(readonly id: string) {
    super();
  }
}

export function toJobView(job: JobRecord): JobView {
  const { apiKeyEnc: _secret, ...result } = job.result ?? {};
  return {
    id: job.id,
    kind: job.kind,
    tenantId: job.tenantId,
    status: job.status,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    error: job.error,
    result: job.result ? result : null,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
  };
}
