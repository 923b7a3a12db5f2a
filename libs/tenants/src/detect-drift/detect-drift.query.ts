import { Query } from '@nestjs/cqrs';
import type { DriftReport } from '@kryonix/fleet';

export class DetectDriftQuery extends Query<DriftReport> {
  constructor(readonly tenants?: readonly string[]) {
    super();
  }
}
