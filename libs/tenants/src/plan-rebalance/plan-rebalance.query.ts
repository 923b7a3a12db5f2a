import { Query } from '@nestjs/cqrs';
import type { PlannedMove } from '@kryonix/fleet';

export interface RebalancePlan {
  /** Active servers weighed: tenants and storage each holds now. */
  servers: Array<{ name: string; maxTenants: number | null; tenants: number; storageBytes: number }>;
  moves: PlannedMove[];
}

/** `kryonix rebalance --dry-run`: the moves that would even the active servers out (see planRebalance). */
export class PlanRebalanceQuery extends Query<RebalancePlan> {}
