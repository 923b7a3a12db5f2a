import { timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InvalidInput, KryonixError, TenantNotFound, TENANT_ID_PATTERN, tenantIdFromApiKey, Unauthorized, Forbidden, TenantSuspended } from '@kryonix/domain';
import type { TenantRoute } from '@kryonix/routes';
import { hashApiKey } from '@kryonix/platform';
import { RouteCache } from './route-cache';
import type { MoveHold } from './move-hold';

export interface AccessRequest {
  host: string | undefined;
  authorization: string | undefined;
  apiKey: string | undefined;
}

/** The outcome of a request's access check. `route` is the subdomain's tenant whenever the registry knows it, refused or not. */
export type AccessVerdict = { route: TenantRoute; refusal?: undefined } | { route: TenantRoute | undefined; refusal: KryonixError };

/**
 * Who may reach which tenant: the tenant is the Host subdomain, the key must be
 * one of that tenant's (by hash, in constant time). Order of the answers:
 * 400 two different keys, 401 no or bad key, 404 unknown tenant, 403 key of another
 * tenant, 403 suspended. A request without a well-formed key is refused before any lookup.
 */
@Injectable()
export class TenantAccess {
  constructor(
    private readonly routes: RouteCache,
    private readonly baseDomain: string,
    /** How a client reaches a tenant, with `<tenant>` for the id (the hint of a 404). */
    private readonly urlPattern = `https://<tenant>.${baseDomain}`,
    /** A move's cut-over holds the tenant's requests here (before its route is read: it may change). */
    private readonly moves?: MoveHold,
  ) {}

  async check(req: AccessRequest): Promise<AccessVerdict> {
    // Both headers are fine when they agree; when not, which one a proxy checked is anyone's guess.
    if (req.authorization !== undefined && req.apiKey !== undefined && bearer(req.authorization) !== req.apiKey) {
      return { route: undefined, refusal: new InvalidInput('Authorization and X-API-Key carry different keys: send the API key in one of them.') };
    }
    const key = bearer(req.authorization) ?? req.apiKey;
    if (!key) return { route: undefined, refusal: new Unauthorized('Missing API key: send Authorization: Bearer sk_… or X-API-Key.') };
    const subdomain = this.subdomain(req.host);
    const keyTenant = tenantIdFromApiKey(key);
    if (!keyTenant) return { route: undefined, refusal: new Unauthorized('Invalid API key.') };
    if (subdomain) await this.moves?.wait(subdomain);
    const route = subdomain ? await this.routes.get(subdomain) : undefined;
    if (!route || route.status === 'provisioning' || route.status === 'deleting') {
      return { route: undefined, refusal: new TenantNotFound(subdomain ?? '', `Unknown tenant${subdomain ? ` "${subdomain}"` : ''}: use ${this.urlPattern}.`) };
    }
    if (keyTenant !== route.id) {
      // whose key it is only picks 403 over 401: a registry that cannot say makes it 401, not 503
      const owner = await this.routes.get(keyTenant).catch(() => undefined);
      if (owner && matches(key, owner.keyHashes)) return { route, refusal: new Forbidden(`This API key belongs to another tenant, not "${route.id}".`) };
      return { route, refusal: new Unauthorized('Invalid API key.') };
    }
    if (!matches(key, route.keyHashes)) return { route, refusal: new Unauthorized('Invalid API key.') };
    if (route.status === 'suspended') return { route, refusal: new TenantSuspended(`Tenant "${route.id}" is suspended.`) };
    return { route };
  }

  /** `acme.kryonix.com.br:8443` → `acme` when the base domain is kryonix.com.br. */
  private subdomain(host: string | undefined): string | undefined {
    if (!host) return undefined;
    const name = host.replace(/:\d+$/, '').toLowerCase();
    const suffix = `.${this.baseDomain}`;
    if (!name.endsWith(suffix)) return undefined;
    const sub = name.slice(0, -suffix.length);
    return TENANT_ID_PATTERN.test(sub) ? sub : undefined;
  }
}

function bearer(header: string | undefined): string | undefined {
  const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return m?.[1];
}

function matches(key: string, hashes: readonly string[]): boolean {
  const candidate = Buffer.from(hashApiKey(key), 'hex');
  let ok = false;
  for (const h of hashes) {
    const b = Buffer.from(h, 'hex');
    if (b.length === candidate.length && timingSafeEqual(b, candidate)) ok = true;
  }
  return ok;
}
