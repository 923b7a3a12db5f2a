import { Query } from '@nestjs/cqrs';

/** What one tenant uses now, read from its server's catalogs. */
export interface TenantGauges {
  id: string;
  connections: number;
  storageBytes: number;
  quotaBytes: number;
  longestQuerySeconds: number;
}

export class TenantGaugesQuery extends Query<TenantGauges> {
  constructor(readonly id: string) {
    super();
  }
}
