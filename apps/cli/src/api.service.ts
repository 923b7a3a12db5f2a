import { KryonixError, ErrorCode } from '@kryonix/domain';
import type { TenantService } from './tenant-service';

/** Sends each command to a running control plane (`--api <url>` / KRYONIX_API_URL). */
export class ApiTenantService implements TenantService {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  create(input: { id: string; name: string; modules: string[]; mode: string }) {
    return this.call('POST', '/v1/tenants', input);
  }
  repair(id: string): never {
    throw new KryonixError('INVALID_INPUT', `kryonix tenant repair runs next to the database, not through --api; run it without --api (tenant ${id}).`);
  }
  async list(filter: { status?: string; module?: string }) {
    const items: any[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ limit: '500', ...(filter.status ? { status: filter.status } : {}), ...(filter.module ? { module: filter.module } : {}), ...(cursor ? { cursor } : {}) });
      const page: { items: any[]; nextCursor: string | null } = await this.call('GET', `/v1/tenants?${query}`);
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items.map(withDates);
  }
  async show(id: string) {
    return withDates(await this.call('GET', `/v1/tenants/${encodeURIComponent(id)}`));
  }
  async log(id: string) {
    return ((await this.call('GET', `/v1/tenants/${encodeURIComponent(id)}/log`)) as { items: any[] }).items.map(withDates);
  }
  async modules() {
    return ((await this.call('GET', '/v1/modules')) as { items: any[] }).items;
  }
  suspend(id: string) {
    return this.call('POST', `/v1/tenants/${encodeURIComponent(id)}/suspend`);
  }
  resume(id: string) {
    return this.call('POST', `/v1/tenants/${encodeURIComponent(id)}/resume`);
  }
  delete(id: string, purge: boolean) {
    return this.call('DELETE', `/v1/tenants/${encodeURIComponent(id)}${purge ? '?purge=true' : ''}`);
  }
  rotateKey(id: string, overlapMs: number) {
    return this.call('POST', `/v1/tenants/${encodeURIComponent(id)}/api-keys`, { overlapSeconds: Math.round(overlapMs / 1000) });
  }
  changeModules(id: string, modules: string[], purge: boolean) {
    return this.call('PUT', `/v1/tenants/${encodeURIComponent(id)}/modules`, { modules, purge });
  }
  setRateLimit(id: string, perMinute: number | null) {
    return this.call('PUT', `/v1/tenants/${encodeURIComponent(id)}/rate-limit`, { perMinute });
  }
  rotateCredentials(id: string) {
    return this.call('POST', `/v1/tenants/${encodeURIComponent(id)}/credentials`);
  }

  private async call(method: string, path: string, body?: unknown): Promise<any> {
    if (!this.token) throw new KryonixError('CONFIGURATION', 'KRYONIX_OPERATOR_TOKEN (or --token) is required with --api.');
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new KryonixError('CONFIGURATION', `Cannot reach the control plane at ${this.baseUrl}: ${(error as Error).cause ?? (error as Error).message}`);
    }
    const text = await res.text();
    const parsed = text ? safeJson(text) : undefined;
    if (!res.ok) {
      const err = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new KryonixError((err?.code as ErrorCode) ?? 'INTERNAL', err?.message ?? `The control plane answered ${res.status}.`);
    }
    return parsed;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** JSON carries dates as strings; the printers expect Date objects. */
function withDates<T extends Record<string, any>>(row: T): T {
  const out: Record<string, any> = { ...row };
  for (const key of ['createdAt', 'updatedAt', 'suspendedAt', 'deletedAt', 'purgeAfter', 'appliedAt', 'revokedAt']) {
    if (typeof out[key] === 'string') out[key] = new Date(out[key]);
  }
  return out as T;
}
