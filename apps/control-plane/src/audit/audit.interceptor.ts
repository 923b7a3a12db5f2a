import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Observable, catchError, from, mergeMap, throwError } from 'rxjs';
import { AuditOrigin, AuditedCommands, auditTarget, withAuditOrigin } from '@kryonix/tenants';
import { describe } from '@kryonix/web';
import { type ConsoleRequest, isConsolePath } from '../console/console-session';

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
const AUDITED_READ = 'kryonix:audited-read';

/** A GET whose command is audited all the same (a download: a tenant's data leaving). */
export const AuditedRead = () => SetMetadata(AUDITED_READ, true);
const CLAIMED_ACTOR = /^cli:[A-Za-z0-9._@-]{1,64}$/;

/**
 * Who acted and through which door. On TCP the door is `http` and the actor the operator
 * token's holder, `operator`. The CLI's local agent (a Unix socket only its user reaches)
 * is the `agent` door, and the OS user the CLI names in `X-Kryonix-Actor` is the actor,
 * `cli:<user>`, as an in-process command's would be; on TCP that claim is only kept in
 * the details. Through the console's pages, the actor is `console` with the session's id.
 */
function originOf(req: Request, agent: boolean): AuditOrigin {
  // The console's pages: the actor is `console`, and the session (its public id) says which one.
  if (isConsolePath(req.url)) return { actor: 'console', door: 'console', details: { requestId: req.id, sessionId: (req as ConsoleRequest).consoleSession?.id } };
  const claimed = req.headers?.['x-kryonix-actor'];
  const valid = typeof claimed === 'string' && CLAIMED_ACTOR.test(claimed) ? claimed : undefined;
  const details = { requestId: req.id, ...(valid && !agent ? { claimedActor: valid } : {}) };
  return { actor: agent && valid ? valid : 'operator', door: agent ? 'agent' : 'http', details };
}

/**
 * What a streamed response (see tenants/step-stream.ts) calls once it knows its outcome,
 * before its last line: the audit rows are then complete when the client has the outcome.
 */
export interface AuditedRequest {
  settleAudit?: (statusCode: number, error?: unknown) => Promise<void>;
}

/**
 * The HTTP door of the audit trail. The core writes the rows (AuditedCommands: the use
 * case's action, actor, door, target, outcome); this sets the origin around the call and
 * adds the status code it answered with, or a `request.rejected` row when the call was
 * refused before any command ran.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly audited: AuditedCommands,
    @Inject(TRUST_ACTOR_HEADER) private readonly agent: boolean,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    const read = req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS';
    if (read && !this.reflector.get<boolean>(AUDITED_READ, context.getHandler())) return next.handle();
    const route = `${req.method} ${req.routeOptions?.url ?? req.url.split('?')[0]}`;
    const target = auditTarget(req.params?.id) ?? auditTarget((req.body as { id?: unknown } | undefined)?.id);
    // Subscribed inside the origin's scope, so the handler and every await after it see it.
    return new Observable<unknown>((subscriber) =>
      withAuditOrigin(originOf(req, this.agent), (scope) => {
        let settled = false;
        const settle = async (statusCode: number, error?: unknown) => {
          if (settled) return;
          settled = true;
          await this.audited.settle(scope, statusCode, error === undefined ? undefined : { route, target, error });
        };
        (req as AuditedRequest).settleAudit = settle;
        return next
          .handle()
          .pipe(
            mergeMap((body) => from(settle(context.switchToHttp().getResponse<{ statusCode: number }>().statusCode).then(() => body))),
            catchError((error: unknown) => from(settle(describe(error).status, error).catch(() => undefined)).pipe(mergeMap(() => throwError(() => error)))),
          )
          .subscribe(subscriber);
      }),
    );
  }
}

