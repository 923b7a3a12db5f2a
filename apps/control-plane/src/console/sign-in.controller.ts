import { randomBytes } from 'node:crypto';
import { Body, Controller, Get, Header, Inject, Post, Query, Redirect, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { QueryBus } from '@nestjs/cqrs';
import { Forbidden, Unauthorized } from '@kryonix/domain';
import { KRYONIX_CONFIG, type KryonixConfig } from '@kryonix/platform';
import { AuditedCommands, CheckConsoleSessionQuery, CloseConsoleSessionCommand, OpenConsoleSessionCommand } from '@kryonix/tenants';
import { AuthFailureLimiter, ClientAddresses, Public, type PeerRequest } from '@kryonix/web';
import { OPERATOR_TOKEN } from '../auth/operator-auth.guard';
import { parse } from '../tenants/tenant.dto';
import { csrfOnly, signInForm } from './console.dto';
import { ConsoleExceptionFilter } from './console-filter';
import { CONSOLE_PATH, type ConsoleRequest, ConsoleSessionGuard, SESSION_COOKIE, SIGN_IN_COOKIE, cookie, cookieOf, sameSecret } from './console-session';
import { renderPage } from './console-views';

export interface ConsoleReply {
  status(code: number): ConsoleReply;
  header(name: string, value: string | string[]): ConsoleReply;
}

/** 303 See Other to `url` (after a form: the browser then GETs it); the body is empty. */
export function seeOther(reply: ConsoleReply, url: string): string {
  reply.status(303).header('location', url).header('cache-control', 'no-store');
  return '';
}

/** How long the sign-in form's double-submit cookie lives (a form left open longer is reloaded). */
const SIGN_IN_FORM_SECONDS = 3600;

/**
 * Sign-in with the operator token (through the same AuthFailureLimiter as the API, surface
 * `console`), then a session cookie; sign-out. The token is read from the form's body only:
 * it never appears in a URL, a page or a log.
 */
@ApiExcludeController()
@Public()
@UseFilters(ConsoleExceptionFilter)
@Controller('console')
export class SignInController {
  private readonly addresses: ClientAddresses;

  constructor(
    private readonly commands: AuditedCommands,
    private readonly queries: QueryBus,
    private readonly limiter: AuthFailureLimiter,
    @Inject(OPERATOR_TOKEN) private readonly token: string,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {
    this.addresses = new ClientAddresses(config.trustedProxies);
  }

  @Get()
  @Redirect(`${CONSOLE_PATH}/tenants`, 303)
  home(): void {}

  @Get('sign-in')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async signInPage(@Req() request: ConsoleRequest, @Res({ passthrough: true }) reply: ConsoleReply, @Query('signed-out') signedOut?: string): Promise<string> {
    const secret = cookieOf(request, SESSION_COOKIE);
    if (secret && (await this.queries.execute(new CheckConsoleSessionQuery(secret)))) {
      return seeOther(reply, `${CONSOLE_PATH}/tenants`);
    }
    return this.form(request, reply, { signedOut: signedOut !== undefined });
  }

  @Post('sign-in')
  async signIn(@Req() request: ConsoleRequest & PeerRequest, @Body() body: unknown, @Res({ passthrough: true }) reply: ConsoleReply): Promise<string> {
    const form = parse(signInForm, body, 'sign-in form');
    const expected = cookieOf(request, SIGN_IN_COOKIE);
    if (!expected || !sameSecret(form._csrf, expected)) throw new Forbidden('This sign-in form is stale or did not come from the console; reload the page and sign in again.');
    const presented = form.token.length > 0;
    if (!this.limiter.verify(request, 'console', presented, () => sameSecret(form.token, this.token))) {
      reply.status(401).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
      return this.form(request, reply, { error: presented ? 'That is not the operator token.' : 'Enter the operator token.' });
    }
    const session = await this.commands.execute(new OpenConsoleSessionCommand(this.addresses.of(request)));
    request.consoleSession = { id: session.id, csrfToken: session.csrfToken, createdAt: new Date(), expiresAt: session.expiresAt };
    reply.header('set-cookie', [cookie(request, SESSION_COOKIE, session.secret, this.config.consoleSessionMaxMs / 1000), cookie(request, SIGN_IN_COOKIE, '', 0)]);
    return seeOther(reply, `${CONSOLE_PATH}/tenants`);
  }

  @Post('sign-out')
  @UseGuards(ConsoleSessionGuard)
  async signOut(@Req() request: ConsoleRequest, @Body() body: unknown, @Res({ passthrough: true }) reply: ConsoleReply): Promise<string> {
    parse(csrfOnly, body, 'form');
    const secret = cookieOf(request, SESSION_COOKIE);
    if (!secret) throw new Unauthorized('Sign in to the console first.');
    await this.commands.execute(new CloseConsoleSessionCommand(secret));
    reply.header('set-cookie', cookie(request, SESSION_COOKIE, '', 0));
    return seeOther(reply, `${CONSOLE_PATH}/sign-in?signed-out`);
  }

  private form(request: ConsoleRequest, reply: ConsoleReply, data: { error?: string; signedOut?: boolean }): string {
    const signInCsrf = randomBytes(24).toString('base64url');
    reply.header('set-cookie', cookie(request, SIGN_IN_COOKIE, signInCsrf, SIGN_IN_FORM_SECONDS));
    return renderPage('signIn', { title: 'Sign in' }, { ...data, signInCsrf });
  }
}
