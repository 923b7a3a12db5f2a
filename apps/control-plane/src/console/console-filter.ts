import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { KryonixError, fromServerFault } from '@kryonix/domain';
import { describe, sendError, type Reply } from '@kryonix/web';
import { CONSOLE_PATH, type ConsoleRequest } from './console-session';
import { renderPage } from './console-views';

interface HtmlReply extends Reply {
  redirect(url: string, code?: number): void;
}

/**
 * The console's errors, as pages: no session on a page is a redirect to sign-in; anything
 * else is a page saying what was wrong, with the status the API would answer. Script calls
 * (gauges, events) get the API's JSON error instead.
 */
@Catch()
export class ConsoleExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('console');

  catch(thrown: unknown, host: ArgumentsHost): void {
    const error = fromServerFault(thrown);
    const request = host.switchToHttp().getRequest<ConsoleRequest>();
    const reply = host.switchToHttp().getResponse<HtmlReply>();
    const described = error instanceof HttpException ? { status: error.getStatus(), code: 'HTTP', message: error.message } : describe(error);
    if (described.status >= 500 && !(error instanceof KryonixError)) this.logger.error({ err: error }, 'console request failed');
    if (reply.sent) return;
    if (described.status === 401 && request.method === 'GET' && !wantsData(request)) {
      reply.header('cache-control', 'no-store');
      reply.redirect(`${CONSOLE_PATH}/sign-in`, 303);
      return;
    }
    if (wantsData(request)) return sendError(reply, error, described);
    const retryAfter = error instanceof KryonixError ? error.details.retryAfterSeconds : undefined;
    if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
    const signedIn = request.consoleSession?.csrfToken;
    const heading = described.status === 401 ? 'Sign in first' : described.status === 403 ? 'Refused' : described.status === 404 ? 'Not found' : described.status === 429 ? 'Too many attempts' : 'That did not work';
    reply
      .status(described.status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(renderPage('error', { title: heading, csrf: signedIn }, { heading, message: described.message, back: described.status === 401 ? `${CONSOLE_PATH}/sign-in` : (request.headers.referer && typeof request.headers.referer === 'string' && request.headers.referer.includes(CONSOLE_PATH) ? request.headers.referer : `${CONSOLE_PATH}/tenants`) }));
  }
}

/** A call from the page's script (JSON, or an event stream), not a page. */
function wantsData(request: ConsoleRequest): boolean {
  const accept = request.headers.accept;
  return typeof accept === 'string' && (accept.startsWith('application/json') || accept.includes('text/event-stream'));
}
