import { Command } from '@nestjs/cqrs';

/** A tenant's own data-plane limit (requests per minute), or null for the default. */
export class SetRateLimitCommand extends Command<{ id: string; rateLimitPerMinute: number | null }> {
  constructor(
    readonly id: string,
    readonly perMinute: number | null,
  ) {
    super();
  }
}
