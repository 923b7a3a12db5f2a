import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';

/** The longest the previous keys may stay valid after a rotation. */
export const MAX_KEY_OVERLAP_MS = 7 * 24 * 3600 * 1000;

export interface RotatedApiKey {
  id: string;
  /** Shown once. */
  apiKey: string;
  prefix: string;
  /** Until when the previous keys keep working (now, unless an overlap was asked for). */
  previousKeysValidUntil: Date;
}

/** A new API key, shown once; the tenant's other keys are revoked now or after `overlapMs` (at most 7 days). */
export class RotateApiKeyCommand extends Command<RotatedApiKey> implements AuditedCommand {
  constructor(
    readonly id: string,
    /** Keep the previous keys valid this long (ms), so apps can switch without a gap. */
    readonly overlapMs = 0,
  ) {
    super();
  }

  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.rotateApiKey, target: auditTarget(this.id), details: { overlapMs: this.overlapMs } };
  }
}
