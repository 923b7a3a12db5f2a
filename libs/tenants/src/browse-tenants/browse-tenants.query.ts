import { Query } from '@nestjs/cqrs';
import type { TenantFilter } from '@kryonix/registry';
import type { TenantSummary } from '../list-tenants/list-tenants.query';

/** A tenant of a page, with what its server says of it now (null when that server did not answer). */
export interface TenantRow extends TenantSummary {
  storageBytes: number | null;
  quotaBytes: number;
  connections: number | null;
}

export interface TenantPage {
  items: TenantRow[];
  /** The last id of this page when there is a next one (pass it back as `after`). */
  next: string | null;
}

/** One page of tenants (keyset by id) with their storage and connections, for the console's table. */
export class BrowseTenantsQuery extends Query<TenantPage> {
  constructor(readonly filter: Omit<TenantFilter, 'limit'> & { limit: number }) {
    super();
  }
}
