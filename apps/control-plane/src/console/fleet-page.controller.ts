import { Body, Get, Header, Param, Post, Query, Req, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { InvalidInput } from '@kryonix/domain';
import {
  AuditedCommands,
  type BackupEntry,
  GetJobQuery,
  ListBackupsQuery,
  JOB_KINDS,
  type JobView,
  ListJobsQuery,
  ListMovesQuery,
  ListServersQuery,
  PendingVersionsQuery,
  SubmitBackupJobCommand,
  SubmitDriftCheckCommand,
  SubmitMigrationCommand,
} from '@kryonix/tenants';
import { describe } from '@kryonix/web';
import { parse } from '../tenants/tenant.dto';
import { csrfOnly, fleetQuery, restoreForm } from './console.dto';
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

/** How many backups the Fleet page lists (the newest). */
const BACKUPS_SHOWN = 20;

/** What a restore form failed with, for the page shown again. */
interface RestoreRefusal {
  backup: string;
  as: string;
  message: string;
}

/** A backup as the Fleet page lists it: restorable from here when readable and under the master key. */
function backupRow(entry: BackupEntry, refusal: RestoreRefusal | undefined) {
  const again = refusal?.backup === entry.id ? refusal : undefined;
  return {
    ...entry,
    restorable: entry.status === 'ok' && entry.key === 'master',
    restoreAs: again ? again.as : entry.tenant ? `${entry.tenant}-restored` : '',
    restoreError: again?.message,
  };
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
    return this.render(request, jobId, queued);
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

  /** A backup restored as a new tenant: the restore job of `POST /v1/restores`, then the page shows that job. */
  @Post('restore')
  @Header('cache-control', 'no-store')
  async restore(@Req() request: ConsoleRequest, @Body() body: unknown, @Res({ passthrough: true }) reply: ConsoleReply): Promise<string> {
    const form = parse(restoreForm, body, 'form');
    const as = form.as.trim();
    try {
      if (form.confirm !== form.backup) throw new InvalidInput(`Not confirmed: tick the box naming backup "${form.backup}" to restore it.`, { field: 'confirm' });
      const job = await this.commands.execute(new SubmitBackupJobCommand({ kind: 'restore_tenant', backup: form.backup, ...(as ? { as } : {}) }));
      return seeOther(reply, `${CONSOLE_PATH}/fleet?job=${job.id}&queued=restore`);
    } catch (error) {
      const { status, message } = describe(error);
      if (status >= 500) throw error;
      reply.status(status).header('content-type', 'text/html; charset=utf-8');
      return this.render(request, undefined, undefined, { backup: form.backup, as, message });
    }
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

  private async render(request: ConsoleRequest, jobId: string | undefined, queued: string | undefined, refusal?: RestoreRefusal): Promise<string> {
    const [pending, servers, moves, jobs, drifts, followed, backups] = await Promise.all([
      this.queries.execute(new PendingVersionsQuery()),
      this.queries.execute(new ListServersQuery()),
      this.queries.execute(new ListMovesQuery()),
      this.queries.execute(new ListJobsQuery(20)),
      this.queries.execute(new ListJobsQuery(1, JOB_KINDS.detectDrift)),
      // a finished restore's first read takes its new key: this page shows it, once
      jobId ? this.queries.execute(new GetJobQuery(jobId)).then((j) => [j]) : this.queries.execute(new ListJobsQuery(1, JOB_KINDS.migrateFleet)),
      this.queries.execute(new ListBackupsQuery()),
    ]);
    const rollout = followed[0]?.kind === JOB_KINDS.migrateFleet ? followed[0] : undefined;
    const job = followed[0] && !rollout ? followed[0] : undefined;
    const newest = [...backups].sort((a, b) => b.takenAt.localeCompare(a.takenAt)).slice(0, BACKUPS_SHOWN);
    const notices: Record<string, string> = {
      drift: 'Drift check queued: its result appears here when it has run (reload).',
      rollout: 'Rollout queued: its progress follows below.',
      restore: 'Restore queued: the job below says when it is done (reload); the new tenant\'s API key is shown here once then.',
    };
    return renderPage('fleet', { title: 'Fleet', csrf: request.consoleSession!.csrfToken, nav: 'fleet' }, {
      pending,
      servers,
      moves,
      jobs,
      drift: drifts[0],
      rollout: rollout ? { ...rollout, progress: rolloutProgress(rollout) } : undefined,
      job,
      backups: newest.map((b) => backupRow(b, refusal)),
      backupsTotal: backups.length,
      notice: queued ? notices[queued] : undefined,
      error: refusal ? `Backup ${refusal.backup} was not restored: ${refusal.message}` : undefined,
    });
  }
}
