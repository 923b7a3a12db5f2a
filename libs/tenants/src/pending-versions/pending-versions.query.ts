import { Query } from '@nestjs/cqrs';

/** A module whose latest version some live tenants do not have yet. */
export interface PendingVersion {
  module: string;
  /** The catalog's latest version. */
  version: number;
  /** Live tenants (active or suspended) with the module, below that version. */
  tenants: number;
}

/** What a fleet migration would bring forward: per module, the tenants behind its latest version. */
export class PendingVersionsQuery extends Query<PendingVersion[]> {}
