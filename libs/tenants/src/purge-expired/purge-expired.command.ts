import { Command } from '@nestjs/cqrs';

/** Purges soft-deleted tenants whose grace period is over (run by the control plane's worker). */
export class PurgeExpiredTenantsCommand extends Command<string[]> {}
