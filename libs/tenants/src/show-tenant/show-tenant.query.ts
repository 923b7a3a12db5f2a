import { Query } from '@nestjs/cqrs';
import type { CutOverSteps } from '@kryonix/domain';
import type { ApiKeyRecord, AppliedMigrationRecord } from '@kryonix/registry';
import type { TenantSummary } from '../list-tenants/list-tenants.query';

export interface TenantDetails extends TenantSummary {
  schemas: string[];
  url: string;
  migrations: AppliedMigrationRecord[];
  apiKeys: ApiKeyRecord[];
  /** Bytes the tenant uses now (its database, or its schemas) and its quota (KRYONIX_TENANT_STORAGE_QUOTA). */
  storage: { usedBytes: number; quotaBytes: number };
  /** Its moves between servers, the latest first. */
  moves: TenantMoveSummary[];
}

/** One move of a tenant as `tenant show` lists it (no secrets: names of servers, phases, times). */
export interface TenantMoveSummary {
  id: string;
  from: string;
  to: string;
  /** The move's phase: done, failed, or the one under way. */
  state: string;
  /** Each finished phase and how long it took (prepare_target, copy, cut_over, verify, clean_up). */
  phases: Array<{ phase: string; durationMs: number }>;
  attempts: number;
  /** How long each step of its cut-over took (the attempt that switched, else the last one abandoned). */
  cutOver: CutOverSteps | null;
  error: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

export class ShowTenantQuery extends Query<TenantDetails> {
  constructor(readonly id: string) {
    super();
  }
}
