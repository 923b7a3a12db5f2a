import { Command } from '@nestjs/cqrs';
import type { PlannedMove } from '@kryonix/fleet';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand } from '../audit/audit-actions';

/** One planned move as it ends. */
export interface RebalanceProgress {
  move: PlannedMove;
  outcome: 'moved' | 'failed';
  error?: string;
  durationMs: number;
  done: number;
  total: number;
}

export interface RebalanceResult {
  moved: Array<PlannedMove & { durationMs: number }>;
  failed: Array<PlannedMove & { error: string }>;
}

/** `kryonix rebalance --yes`: the plan of `rebalance --dry-run`, carried out. */
export class ApplyRebalanceCommand extends Command<RebalanceResult> implements AuditedCommand {
  constructor(
    /** Moves at a time (`--concurrency`, default 1). */
    readonly concurrency: unknown = 1,
    readonly onMove?: (progress: RebalanceProgress) => void,
    /** Set when a durable job runs the rebalance: its moves carry it, and a retry finishes or rolls back those its dead worker left. */
    readonly jobId?: string,
  ) {
    super();
  }

  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.rebalance };
  }
}
