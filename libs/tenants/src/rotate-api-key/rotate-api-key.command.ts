import { Command } from '@nestjs/cqrs';

export interface RotatedApiKey {
  id: string;
  /** Shown once. */
  apiKey: string;
  prefix: string;
  /** Until when the previous keys keep working (now, unless an overlap was asked for). */
  previousKeysValidUntil: Date;
}

export class RotateApiKeyCommand extends Command<RotatedApiKey> {
  constructor(
    readonly id: string,
    /** Keep the previous keys valid this long (ms), so apps can switch without a gap. */
    readonly overlapMs = 0,
  ) {
    super();
  }
}
