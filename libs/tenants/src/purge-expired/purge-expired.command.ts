import { Command } from '@nestjs/cqrs';

/** Queues a purge job for each soft-deleted tenant whose grace period is over (run by the control plane's worker). */
export class PurgeExpiredTenantsCommand extends Command<string[]> {}
