import { Command } from '@nestjs/cqrs';

export class RotateCredentialsCommand extends Command<{ id: string; role: string }> {
  constructor(readonly id: string) {
    super();
  }
}
