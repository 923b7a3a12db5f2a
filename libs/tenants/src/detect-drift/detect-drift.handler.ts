import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DriftDetector, DriftReport } from '@kryonix/fleet';
import { DetectDriftQuery } from './detect-drift.query';

@QueryHandler(DetectDriftQuery)
export class DetectDriftHandler implements IQueryHandler<DetectDriftQuery, DriftReport> {
  constructor(private readonly drift: DriftDetector) {}

  execute({ tenants }: DetectDriftQuery): Promise<DriftReport> {
    return this.drift.detect({ tenants });
  }
}
