import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Unauthorized } from '@kryonix/domain';
import { IS_PUBLIC, bearerMatches } from '@kryonix/web';

export const OPERATOR_TOKEN = Symbol('OPERATOR_TOKEN');

/** Operator auth: `Authorization: Bearer <KRYONIX_OPERATOR_TOKEN>`, compared in constant time. */
@Injectable()
export class OperatorAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(OPERATOR_TOKEN) private readonly token: string,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const header = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers.authorization;
    if (!bearerMatches(header, this.token)) throw new Unauthorized();
    return true;
  }
}
