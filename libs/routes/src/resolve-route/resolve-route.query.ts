import { Query } from '@nestjs/cqrs';
import type { IsolationMode, TenantStatus } from '@kryonix/domain';

/** What the data plane needs to serve a tenant: where its data is, who it is in PostgreSQL, which keys open it. */
export interface TenantRoute {
  id: string;
  /** The registered PostgreSQL server the tenant lives on (`default`: the registry's own). */
  server: string;
  status: TenantStatus;
  mode: IsolationMode;
  database: string;
  role: string;
  /** module → schema */
  schemas: Record<string, string>;
  /** SHA-256 hashes (hex) of the keys valid now. */
  keyHashes: string[];
  /** Requests per minute, when the tenant has its own limit. */
  rateLimitPerMinute: number | null;
}

export class ResolveRouteQuery extends Query<TenantRoute | undefined> {
  constructor(readonly id: string) {
    super();
  }
}
