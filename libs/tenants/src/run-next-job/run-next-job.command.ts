import { Command } from '@nestjs/cqrs';
import type { JobView } from '../get-job/get-job.query';

/** Claims one due job (or one abandoned by a crashed worker), runs it to the end, records the outcome. */
export class RunNextJobCommand extends Command<JobView | undefined> {
  constructor(
    readonly workerId: string,
    /** A running job without a heartbeat for this long belongs to a dead worker. */
    readonly staleAfterMs: number,
    readonly heartbeatMs: number,
  ) {
    super();
  }
}
