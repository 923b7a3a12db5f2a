import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { KryonixError, fromServerFault, httpStatusFor } from '@kryonix/domain';

export interface Reply {
  status(code: number): Reply;
  header(name: string, value: string): Reply;
  send(body: unknown): void;
  /** Fastify: the reply was sent or hijacked (a streamed response already carries its error). */
  sent?: boolean;
}

/** The one place errors become HTTP: typed domain errors by code, framework errors by status. */
@Catch()
export class DomainExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(thrown: unknown, host: ArgumentsHost): void {
    // A database server that is away is a 503 with Retry-After, never a 500.
    const error = fromServerFault(thrown);
    const reply = host.switchToHttp().getResponse<Reply>();
    const { status, code, message } = describe(error);
    // 503/504 (a server away, busy connections, a timeout) are conditions, not faults: they are
    // counted in the metrics and logged once per outage where the connection broke, not per request.
    if (status === 500) this.logger.error({ err: error }, 'request failed');
    if (reply.sent) return;
    sendError(reply, error, { status, code, message });
  }
}

/** Writes an error in the one format (`{ error: { code, message } }`, Retry-After when the error carries one). */
export function sendError(reply: Reply, thrown: unknown, described = describe(thrown)): void {
  const error = fromServerFault(thrown);
  const retryAfter = error instanceof KryonixError ? error.details.retryAfterSeconds : undefined;
  if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
  reply.status(described.status).header('content-type', 'application/json; charset=utf-8').send({ error: { code: described.code, message: described.message } });
}

export function describe(thrown: unknown): { status: number; code: string; message: string } {
  const error = fromServerFault(thrown);
  if (error instanceof KryonixError) return { status: httpStatusFor(error), code: error.code, message: error.message };
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = status === 404 ? 'NOT_FOUND' : status === 400 ? 'INVALID_INPUT' : status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'HTTP_ERROR';
    return { status, code, message: error.message };
  }
  // Fastify's own errors (malformed JSON, body too large) carry a statusCode.
  const statusCode = (error as { statusCode?: number }).statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return { status: statusCode, code: 'INVALID_INPUT', message: (error as Error).message };
  }
  return { status: 500, code: 'INTERNAL', message: 'Internal error; see the control plane log.' };
}
