import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Observable, catchError, from, mergeMap, throwError } from 'rxjs';
import { RecordAuditCommand } from '@kryonix/tenants';
import { describe } from '@kryonix/web';

interface Request {
  method: string;
  url: string;
  id?: string;
  params?: Record<string, string>;
  body?: unknown;
  routeOptions?: { url?: string };
  headers?: Record<string, string | string[] | undefined>;
}

export const TRUST_ACTOR_HEADER = Symbol('TRUST_ACTOR_HEADER');
const CLAIMED_ACTOR = /^cli:[A-Za-z0-9._@-]{1,64}$/;

/**
 * Who acted: the operator token's holder. A CLI that forwards its command names its OS
 * user in `X-Kryonix-Actor`. On the CLI's local agent (a Unix socket only that user can
 * reach) it is recorded as the actor, `cli:<user>`, as an in-process command would be;
 * on TCP the actor stays `operator` and the claim is kept in the details.
 */
function actorOf(req: Request, trusted: boolean): { actor: string; claimedActor?: string } {
  const claimed = req.headers?.['x-kryonix-actor'];
  if (typeof claimed !== 'string' || !CLAIMED_ACTOR.test(claimed)) return { actor: 'operator' };
  return trusted ? { actor: claimed } : { actor: 'operator', claimedActor: claimed };
}

/**
 * What a streamed response (see tenants/step-stream.ts) uses to write its audit row
 * before its last line: once the client has the outcome, the row must already be there.
 */
export interface AuditedRequest {
  recordAudit?: (outcome: 'success' | 'failure', statusCode: number, target?: string) => Promise<void>;
}

/** Every mutating call lands in tenant_management.audit_log: who, what, when, outcome. */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly commands: CommandBus,
    @Inject(TRUST_ACTOR_HEADER) private readonly trustActorHeader: boolean,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next.handle();
    const { actor, claimedActor } = actorOf(req, this.trustActorHeader);
    const base = {
      actor,
      action: `${req.method} ${req.routeOptions?.url ?? req.url.split('?')[0]}`,
      target: req.params?.id ?? bodyId(req.body),
      details: { requestId: req.id, ...(claimedActor ? { claimedActor } : {}) },
    };
    let recorded = false;
    const record = async (outcome: 'success' | 'failure', statusCode: number, target?: string) => {
      if (recorded) return;
      recorded = true;
      await this.commands.execute(new RecordAuditCommand({ ...base, target: target ?? base.target, outcome, statusCode }));
    };
    (req as AuditedRequest).recordAudit = record;
    return next.handle().pipe(
      mergeMap((body) => {
        const reply = context.switchToHttp().getResponse<{ statusCode: number }>();
        const target = base.target ?? (body as { id?: string } | undefined)?.id;
        return from(record('success', reply.statusCode, target).then(() => body));
      }),
      catchError((error: unknown) => from(record('failure', describe(error).status).catch(() => undefined)).pipe(mergeMap(() => throwError(() => error)))),
    );
  }
}

/** The tenant a create was about, even when it failed (bounded: the body is untrusted). */
function bodyId(body: unknown): string | undefined {
  const id = (body as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id.slice(0, 100) : undefined;
}
