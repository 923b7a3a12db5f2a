import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';
import type { JobView } from '../get-job/get-job.query';

export type FleetJobRequest = { kind: 'drain_server'; name: unknown; concurrency?: unknown } | { kind: 'rebalance'; concurrency?: unknown };

/**
 * Checks a drain (`POST /v1/servers/:name/drain`) or a rebalance (`POST /v1/rebalance`) now
 * and queues it as a durable job: a control plane that dies meanwhile leaves it to the next
 * worker, which goes on from where it was. The same one already queued or running is that job.
 */
export class SubmitFleetJobCommand extends Command<JobView> implements AuditedCommand {
  constructor(readonly request: FleetJobRequest) {
    super();
  }

  get audit(): AuditFacts {
    if (this.request.kind === 'rebalance') return { action: AUDIT_ACTIONS.rebalance, details: { async: true } };
    return { action: AUDIT_ACTIONS.drainServer, target: auditTarget(this.request.name), details: { async: true } };
  }
}
