import { Injectable } from '@nestjs/common';
import { Command, CommandBus } from '@nestjs/cqrs';
import { describeError } from '@kryonix/domain';
import { AuditRepository } from '@kryonix/registry';
import { AUDIT_ACTIONS, auditTarget, isAudited } from './audit-actions';
import { AuditScope, currentAuditScope } from './audit-origin';

/**
 * How the doors execute commands: through the command bus, and for an audited command
 * run on behalf of a door (withAuditOrigin), one audit row with the use case's action,
 * the actor and the door, the target and the outcome (with the error's code on failure).
 * The row is written before the result goes back, so a client holding the outcome finds it.
 */
@Injectable()
export class AuditedCommands {
  constructor(
    private readonly bus: CommandBus,
    private readonly audit: AuditRepository,
  ) {}

  async execute<R>(command: Command<R>): Promise<R> {
    const scope = currentAuditScope();
    if (!scope || !isAudited(command)) return this.bus.execute(command);
    const { action, target, details } = command.audit;
    const row = (outcome: 'success' | 'failure', extra: Record<string, unknown>, resultTarget?: string) =>
      this.audit
        .record({ actor: scope.origin.actor, door: scope.origin.door, action, target: target ?? resultTarget, outcome, details: { ...scope.origin.details, ...details, ...extra } })
        .then((id) => void scope.rows.push(id));
    let result: R;
    try {
      result = await this.bus.execute(command);
    } catch (error) {
      await row('failure', { code: describeError(error).code }).catch(() => undefined);
      throw error;
    }
    await row('success', {}, auditTarget((result as { id?: unknown } | undefined)?.id));
    return result;
  }

  /**
   * The HTTP door, once it knows what it answers: the status code goes on the rows its
   * commands wrote; a call refused before any command ran (a body that does not parse)
   * gets a row of its own, `request.rejected`, naming the route.
   */
  async settle(scope: AuditScope, statusCode: number, refused?: { route: string; target?: string; error: unknown }): Promise<void> {
    for (const id of scope.rows) await this.audit.setStatusCode(id, statusCode);
    if (scope.rows.length || !refused) return;
    await this.audit.record({
      actor: scope.origin.actor,
      door: scope.origin.door,
      action: AUDIT_ACTIONS.rejected,
      target: refused.target,
      outcome: 'failure',
      statusCode,
      details: { ...scope.origin.details, route: refused.route, code: describeError(refused.error).code },
    });
  }
}
