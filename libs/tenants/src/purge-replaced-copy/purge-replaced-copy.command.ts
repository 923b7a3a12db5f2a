import { Command } from '@nestjs/cqrs';
import type { ReplacedCopy } from '@kryonix/provisioning';

/** Drops the copy a `restore --replace` kept of the tenant it replaced (its purge job, due after KRYONIX_DELETE_GRACE). */
export class PurgeReplacedCopyCommand extends Command<{ id: string; purged: string[] }> {
  constructor(readonly copy: ReplacedCopy) {
    super();
  }
}
