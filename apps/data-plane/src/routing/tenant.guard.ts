import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { TenantRoute } from '@kryonix/routes';
import { RateLimiter } from './rate-limiter';
import { TenantAccess } from './tenant-access';

export interface TenantRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The tenant the request is served as (set once access is granted). */
  tenant?: TenantRoute;
  /** The registry's id of the tenant the request addressed, served or refused: the metrics' tenant label. */
  tenantId?: string;
}

/** Resolves and authorizes the tenant of every /api request (Host subdomain + API key). */
@Injectable()
export class TenantGuard implements CanActivate {
  constructor(
    private readonly access: TenantAccess,
    private readonly limiter: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<TenantRequest>();
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const verdict = await this.access.check({ host: header('host'), authorization: header('authorization'), apiKey: header('x-api-key') });
    req.tenantId = verdict.route?.id;
    if (verdict.refusal) throw verdict.refusal;
    req.tenant = verdict.route;
    await this.limiter.check(verdict.route);
    return true;
  }
}
