import { Command } from '@nestjs/cqrs';

/** What the worker did with a move its process had left. */
export interface FinishedLeftMove {
  move: string;
  tenant: string;
  outcome: 'moved' | 'rolled_back';
}

/** Finishes the roll-backs and clean-ups that moves' processes had to leave (a server was away); returns those that ended. */
export class FinishLeftMovesCommand extends Command<FinishedLeftMove[]> {}
