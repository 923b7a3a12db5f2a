import { Command } from '@nestjs/cqrs';
import type { AuditEntry } from '@kryonix/registry';

/** Both doors record every mutating call (who, what, when, outcome) through this command. */
export class RecordAuditCommand extends Command<void> {
  constructor(readonly entry: AuditEntry) {
    super();
  }
}
