import { Command } from '@nestjs/cqrs';

/** Drops the source copies that moves kept once KRYONIX_MOVE_KEEP is over; returns the moves whose copy went. */
export class PurgeKeptCopiesCommand extends Command<string[]> {}
