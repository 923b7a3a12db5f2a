import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { TenantRoute } from '@kryonix/tenants';
import { RateLimiter } from './rate-limiter';
import { TenantAccess } from './tenant-access';

export interface TenantRequest {
  headers: Record<string, string | string[] | undefined>;
  tenant?: TenantRoute;
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
    req.tenant = await this.access.authorize({ host: header('host'), authorization: header('authorization'), apiKey: header('x-api-key') });
    await this.limiter.check(req.tenant);
    return true;
  }
}
