import { Command } from '@nestjs/cqrs';

export interface RotatedApiKey {
  id: string;
  /** Shown once. */
  apiKey: string;
  prefix: string;
}

export class RotateApiKeyCommand extends Command<RotatedApiKey> {
  constructor(readonly id: string) {
    super();
  }
}
