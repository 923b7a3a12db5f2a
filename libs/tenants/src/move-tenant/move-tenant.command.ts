import { Command } from '@nestjs/cqrs';
import type { CopyProgress, MoveResult } from '@kryonix/fleet';
import type { StepEvent } from '@kryonix/provisioning';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';

export type { CopyProgress, MoveResult };

/** What a move asks for: the tenant, the server to move it to, how many cut-over attempts it may make. */
export interface MoveRequest {
  id: unknown;
  to: unknown;
  /** Cut-over attempts (`--attempts`, default 3). */
  attempts?: unknown;
}

/** Moves a live tenant to another server (online, with logical replication); one event per phase. */
export class MoveTenantCommand extends Command<MoveResult> implements AuditedCommand {
  constructor(
    readonly request: MoveRequest,
    readonly onPhase?: (event: StepEvent) => void,
    /** Set when a durable job runs the move: a retry of that job finishes or rolls back what its dead worker left. */
    readonly jobId?: string,
    /** The copy's progress (tables, rows, lag), every KRYONIX_MOVE_PROGRESS_MS. */
    readonly onProgress?: (progress: CopyProgress) => void,
  ) {
    super();
  }

  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.moveTenant, target: auditTarget(this.request.id), details: { to: typeof this.request.to === 'string' ? this.request.to.slice(0, 40) : undefined } };
  }
}
