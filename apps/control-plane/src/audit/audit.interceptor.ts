import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
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

/**
 * Who acted: the operator token's holder. A CLI that forwards its command (the local
 * agent, or `--api`) names its OS user in `X-Kryonix-Actor`; it is recorded as
 * `cli:<user>`, as an in-process CLI command would be. Only that shape is taken.
 */
function actorOf(req: Request): string {
  const claimed = req.headers?.['x-kryonix-actor'];
  return typeof claimed === 'string' && /^cli:[A-Za-z0-9._-]{1,64}$/.test(claimed) ? claimed : 'operator';
}

/** Every mutating call lands in tenant_management.audit_log: who, what, when, outcome. */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(private readonly commands: CommandBus) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next.handle();
    const base = {
      actor: actorOf(req),
      action: `${req.method} ${req.routeOptions?.url ?? req.url.split('?')[0]}`,
      target: req.params?.id ?? bodyId(req.body),
      details: { requestId: req.id },
    };
    const record = (outcome: 'success' | 'failure', statusCode: number, target?: string) =>
      this.commands.execute(new RecordAuditCommand({ ...base, target: target ?? base.target, outcome, statusCode }));
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
