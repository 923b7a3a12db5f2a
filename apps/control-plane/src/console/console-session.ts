import { createHash, timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { Forbidden, Unauthorized } from '@kryonix/domain';
import { CheckConsoleSessionQuery, type ConsoleSession } from '@kryonix/tenants';

/** Where the console is served, on the control plane's own port. */
export const CONSOLE_PATH = '/console';
/** The session cookie: a random secret, of which the registry keeps only the hash. */
export const SESSION_COOKIE = 'kryonix_console';
/** The sign-in form's double-submit cookie (there is no session yet to hold its CSRF token). */
export const SIGN_IN_COOKIE = 'kryonix_console_signin';

export interface ConsoleRequest {
  method: string;
  url: string;
  protocol?: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  /** Set by ConsoleSessionGuard. */
  consoleSession?: ConsoleSession;
}

export function isConsolePath(url: string): boolean {
  const path = url.split('?')[0]!;
  return path === CONSOLE_PATH || path.startsWith(`${CONSOLE_PATH}/`);
}

/** The value of one cookie of a request (the first, when a name is given twice). */
export function cookieOf(request: Pick<ConsoleRequest, 'headers'>, name: string): string | undefined {
  const header = request.headers.cookie;
  for (const part of (Array.isArray(header) ? header.join(';') : (header ?? '')).split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * A Set-Cookie value: HttpOnly, SameSite=Strict, path /console, and Secure when the page
 * came over HTTPS (Fastify's `protocol`: the connection's own, a client's header is not believed).
 */
export function cookie(request: ConsoleRequest, name: string, value: string, maxAgeSeconds: number): string {
  const https = request.protocol === 'https';
  return `${name}=${value}; Path=${CONSOLE_PATH}; HttpOnly; SameSite=Strict; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}${https ? '; Secure' : ''}`;
}

/** Two secrets compared in constant time (hashed first: lengths say nothing). */
export function sameSecret(presented: unknown, expected: string): boolean {
  if (typeof presented !== 'string' || presented.length === 0 || presented.length > 256) return false;
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/** The CSRF token a request carries: the form's `_csrf` field, or the `X-CSRF-Token` header (the page's script). */
export function presentedCsrf(request: ConsoleRequest): unknown {
  const header = request.headers['x-csrf-token'];
  if (typeof header === 'string') return header;
  const body = request.body;
  return body && typeof body === 'object' ? (body as Record<string, unknown>)._csrf : undefined;
}

/**
 * Every console page and action but sign-in: a live session (else 401, which the console's
 * filter turns into a redirect to sign-in for a page), and for anything but GET the
 * session's CSRF token (else 403).
 */
@Injectable()
export class ConsoleSessionGuard implements CanActivate {
  constructor(private readonly queries: QueryBus) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ConsoleRequest>();
    const secret = cookieOf(request, SESSION_COOKIE);
    const session = secret ? await this.queries.execute(new CheckConsoleSessionQuery(secret)) : undefined;
    if (!session) throw new Unauthorized('Sign in to the console first (your session is missing or has ended).');
    if (request.method !== 'GET' && request.method !== 'HEAD' && !sameSecret(presentedCsrf(request), session.csrfToken)) {
      throw new Forbidden('This form is stale or did not come from the console (its CSRF token is missing or wrong); reload the page and try again.');
    }
    request.consoleSession = session;
    return true;
  }
}
