import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';

/** One tenant's outcome in a drain, as it ends. */
export interface DrainProgress {
  tenant: string;
  /** moved: now on `to`; failed: still on the drained server (`error` says why). */
  outcome: 'moved' | 'failed';
  to?: string;
  error?: string;
  durationMs: number;
  /** Tenants dealt with so far, of `total`. */
  done: number;
  total: number;
}

export interface DrainResult {
  name: string;
  /** `cordoned` once no tenant is left on it; `draining` while some are (a re-run goes on with them). */
  state: 'draining' | 'cordoned';
  moved: Array<{ tenant: string; to: string; durationMs: number }>;
  failed: Array<{ tenant: string; error: string }>;
}

/** `kryonix server drain <name>`: every tenant moved off the server (placement picks where), which ends cordoned. */
export class DrainServerCommand extends Command<DrainResult> implements AuditedCommand {
  constructor(
    readonly name: string,
    /** Moves at a time (`--concurrency`, default 1). */
    readonly concurrency: unknown = 1,
    readonly onTenant?: (progress: DrainProgress) => void,
    /** Set when a durable job runs the drain: its moves carry it, and a retry finishes or rolls back those its dead worker left. */
    readonly jobId?: string,
  ) {
    super();
  }

  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.drainServer, target: auditTarget(this.name) };
  }
}
