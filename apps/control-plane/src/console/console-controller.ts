import { Controller, Header, UseFilters, UseGuards, applyDecorators } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '@kryonix/web';
import { ConsoleExceptionFilter } from './console-filter';
import { ConsoleSessionGuard } from './console-session';

/**
 * A console page's controller: not in the OpenAPI document, no bearer token (the session
 * instead: ConsoleSessionGuard, with its CSRF check), errors as pages (ConsoleExceptionFilter).
 */
export function ConsoleController(path: string): ClassDecorator {
  return applyDecorators(ApiExcludeController(), Public(), UseGuards(ConsoleSessionGuard), UseFilters(ConsoleExceptionFilter), Controller(path));
}

/** A handler that answers with a page: HTML, never cached (it may hold a CSRF token or a key). */
export function HtmlPage(): MethodDecorator {
  return applyDecorators(Header('content-type', 'text/html; charset=utf-8'), Header('cache-control', 'no-store'));
}
