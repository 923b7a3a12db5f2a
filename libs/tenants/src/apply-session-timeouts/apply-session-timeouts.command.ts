import { Command } from '@nestjs/cqrs';

/**
 * Gives every tenant role of the registry the configured session timeouts
 * (KRYONIX_STATEMENT_TIMEOUT, KRYONIX_LOCK_TIMEOUT, KRYONIX_IDLE_IN_TRANSACTION_TIMEOUT)
 * where it has other values: roles made before the settings existed or changed. Run by
 * the control plane when it starts. Returns the roles changed.
 */
export class ApplySessionTimeoutsCommand extends Command<string[]> {}
