import { Body, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import {
  AuditedCommands,
  GetJobQuery,
  JOB_KINDS,
  type JobView,
  ListJobsQuery,
  ListMovesQuery,
  ListServersQuery,
  PendingVersionsQuery,
  SubmitDriftCheckCommand,
  SubmitMigrationCommand,
} from '@kryonix/tenants';
import { parse } from '../tenants/tenant.dto';
import { csrfOnly, fleetQuery } from './console.dto';
import { ConsoleController, HtmlPage } from './console-controller';
import { CONSOLE_PATH, type ConsoleRequest } from './console-session';
import { renderPage } from './console-views';
import { type EventStreamReply, openEventStream } from './event-stream';
import { type ConsoleReply, seeOther } from './sign-in.controller';

/** How often a followed rollout's job row is read again. */
const ROLLOUT_POLL_MS = 1_000;

export interface RolloutProgress {
  done: number;
  failed: number;
  total: number;
  failures: Array<{ tenant: string; error: string }>;
}

/** A migration job's progress: written while it runs (`result.progress`), its summary once it succeeded. */
export function rolloutProgress(job: JobView): RolloutProgress {
  const result = (job.result ?? {}) as Record<string, unknown>;
  const live = result.progress as RolloutProgress | undefined;
  if (live) return live;
  if (typeof result.migrated === 'number') {
    const failures = (Array.isArray(result.failed) ? result.failed : []) as RolloutProgress['failures'];
    const notAttempted = typeof result.notAttempted === 'number' ? result.notAttempted : 0;
    return { done: result.migrated, failed: failures.length, total: result.migrated + failures.length + notAttempted, failures };
  }
  return { done: 0, failed: 0, total: typeof result.planned === 'number' ? result.planned : 0, failures: [] };
}

const finished = (job: JobView) => job.status === 'succeeded' || job.status === 'failed';

/**
 * The Fleet page: module versions pending, a rollout followed live, the last drift check
 * and a button that queues one (a job, not a page load), servers with their capacity and
 * the moves under way, the durable jobs.
 */
@ConsoleController('console/fleet')
export class FleetPageController {
  constructor(
    private readonly commands: AuditedCommands,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @HtmlPage()
  async page(@Req() request: ConsoleRequest, @Query() query: unknown): Promise<string> {
    const { job: jobId, queued } = parse(fleetQuery, query, 'query');
    const [pending, servers, moves, jobs, drifts, rollouts] = await Promise.all([
      this.queries.execute(new PendingVersionsQuery()),
      this.queries.execute(new ListServersQuery()),
      this.queries.execute(new ListMovesQuery()),
      this.queries.execute(new ListJobsQuery(20)),
      this.queries.execute(new ListJobsQuery(1, JOB_KINDS.detectDrift)),
      jobId ? this.queries.execute(new GetJobQuery(jobId)).then((j) => [j]) : this.queries.execute(new ListJobsQuery(1, JOB_KINDS.migrateFleet)),
    ]);
    const rollout = rollouts[0];
    return renderPage('fleet', { title: 'Fleet', csrf: request.consoleSession!.csrfToken, nav: 'fleet' }, {
      pending,
      servers,
      moves,
      jobs,
      drift: drifts[0],
      rollout: rollout ? { ...rollout, progress: rolloutProgress(rollout) } : undefined,
      notice: queued === 'drift' ? 'Drift check queued: its result appears here when it has run (reload).' : queued === 'rollout' ? 'Rollout queued: its progress follows below.' : undefined,
    });
  }

  @Post('migrate')
  async migrate(@Body() body: unknown, @Res({ passthrough: true }) reply: ConsoleReply): Promise<string> {
    parse(csrfOnly, body, 'form');
    const job = await this.commands.execute(new SubmitMigrationCommand({ continueOnError: true }));
    return seeOther(reply, `${CONSOLE_PATH}/fleet?job=${job.id}&queued=rollout`);
  }

  @Post('drift')
  async drift(@Body() body: unknown, @Res({ passthrough: true }) reply: ConsoleReply): Promise<string> {
    parse(csrfOnly, body, 'form');
    await this.commands.execute(new SubmitDriftCheckCommand());
    return seeOther(reply, `${CONSOLE_PATH}/fleet?queued=drift`);
  }

  /** A job's progress as server-sent events (`progress`, each time it changed), until it has finished. */
  @Get('jobs/:id/events')
  async events(@Param('id') id: string, @Res() reply: EventStreamReply): Promise<void> {
    let job = await this.queries.execute(new GetJobQuery(id));
    let timer: NodeJS.Timeout | undefined;
    const stream = openEventStream(reply, () => clearTimeout(timer));
    let last = '';
    const send = () => {
      const event = { status: job.status, finished: finished(job), progress: rolloutProgress(job), error: job.error };
      const text = JSON.stringify(event);
      if (text !== last) stream.send('progress', event);
      last = text;
      if (event.finished) return stream.end();
      timer = setTimeout(() => {
        this.queries.execute(new GetJobQuery(id)).then(
          (next) => {
            job = next;
            send();
          },
          // The registry away for a moment: try again at the next tick.
          () => (timer = setTimeout(send, ROLLOUT_POLL_MS)),
        );
      }, ROLLOUT_POLL_MS);
    };
    send();
  }
}
