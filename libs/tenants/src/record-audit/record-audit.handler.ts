import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AuditRepository } from '@kryonix/registry';
import { RecordAuditCommand } from './record-audit.command';

@CommandHandler(RecordAuditCommand)
export class RecordAuditHandler implements ICommandHandler<RecordAuditCommand, void> {
  constructor(private readonly audit: AuditRepository) {}

  async execute({ entry }: RecordAuditCommand): Promise<void> {
    await this.audit.record(entry);
  }
}
