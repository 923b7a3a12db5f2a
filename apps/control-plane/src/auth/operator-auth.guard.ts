import { createHash, timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Unauthorized } from '@kryonix/domain';
import { IS_PUBLIC } from '@kryonix/web';

export const OPERATOR_TOKEN = Symbol('OPERATOR_TOKEN');

/** Operator auth: `Authorization: Bearer <KRYONIX_OPERATOR_TOKEN>`, compared in constant time. */
@Injectable()
export class OperatorAuthGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(
    private readonly reflector: Reflector,
    @Inject(OPERATOR_TOKEN) token: string,
  ) {
    this.expected = digest(token);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const header = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    // Hashing both sides gives equal lengths, so the comparison time says nothing about the token.
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), this.expected)) throw new Unauthorized();
    return true;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
