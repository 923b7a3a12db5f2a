import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Kysely } from 'kysely';
import { DEFAULT_SERVER, TenantMoving, TenantNotFound, TenantStateConflict, TenantStatus, validateTenantId } from '@kryonix/domain';
import { MoveRepository, ProvisioningLogRepository, RegistryDatabase, TenantRecord, TenantRepository } from '@kryonix/registry';
import { withTenantLock } from './tenant-lock.repository';
import type { TenantServer, TenantServers } from './tenant-servers';

/** What may be done to a tenant while it is being moved: registry rows only, nothing on its server. */
const DURING_MOVE: ReadonlySet<string> = new Set(['rotate_api_key', 'set_rate_limit', 'reveal_connection']);

/**
 * How every change to an existing tenant runs (suspend, resume, rotations, module
 * changes, delete): under the tenant's advisory lock, refused unless the tenant is in
 * one of the `allowed` statuses, and written to the provisioning log with its outcome
 * and duration; refused while the tenant is being moved (its schemas, role and status
 * must not change under the copy), except for registry-only changes. `fn` gets the locked registry connection (its registry writes go through
 * it) and the tenant's server (its storage SQL and admin connection).
 */
export class TenantOperations {
  constructor(
    private readonly registry: Kysely<RegistryDatabase>,
    private readonly servers: TenantServers,
  ) {}

  async run<R>(rawId: unknown, action: string, allowed: readonly TenantStatus[], fn: (admin: Kysely<RegistryDatabase>, tenant: TenantRecord, server: TenantServer) => Promise<R>): Promise<R> {
    const id = validateTenantId(rawId);
    // before the lock: a running move holds it, and the answer should say why
    const move = DURING_MOVE.has(action) ? undefined : await new MoveRepository(this.registry).findOpen(id);
    if (move) throw new TenantMoving(id, move, action.replace(/_/g, ' '));
    return withTenantLock(this.registry, id, async (admin) => {
      const tenant = await new TenantRepository(admin).findById(id);
      if (!tenant) throw new TenantNotFound(id);
      if (!allowed.includes(tenant.status)) throw new TenantStateConflict(id, tenant.status, action.replace(/_/g, ' '));
      const log = new ProvisioningLogRepository(admin);
      const runId = randomUUID();
      const started = performance.now();
      try {
        // the tenant's server; on the registry's own, server-wide statements go through the locked connection as before
        const server = tenant.serverName === DEFAULT_SERVER ? { ...this.servers.default(), admin: admin as Kysely<unknown> } : await this.servers.get(tenant.serverName);
        const result = await fn(admin, tenant, server);
        await log.append({ tenantId: id, runId, action, status: 'sucesso', durationMs: performance.now() - started });
        return result;
      } catch (error) {
        await log.append({ tenantId: id, runId, action, status: 'erro', details: { error: (error as Error).message }, durationMs: performance.now() - started }).catch(() => undefined);
        throw error;
      }
    });
  }
}
