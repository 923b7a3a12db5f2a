import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Unauthorized } from '@kryonix/domain';
import { AuthFailureLimiter, IS_PUBLIC, type PeerRequest } from '@kryonix/web';

export const OPERATOR_TOKEN = Symbol('OPERATOR_TOKEN');

/**
 * Operator auth: `Authorization: Bearer <KRYONIX_OPERATOR_TOKEN>`, compared in constant
 * time; a client that keeps presenting wrong tokens gets 429 for a while (AuthFailureLimiter).
 */
@Injectable()
export class OperatorAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(OPERATOR_TOKEN) private readonly token: string,
    private readonly limiter: AuthFailureLimiter,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    if (!this.limiter.verifyBearer(context.switchToHttp().getRequest<PeerRequest>(), 'operator', this.token)) throw new Unauthorized();
    return true;
  }
}
