import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Kysely } from 'kysely';
import { TenantNotFound, TenantStateConflict, TenantStatus, validateTenantId } from '@kryonix/domain';
import { ProvisioningLogRepository, RegistryDatabase, TenantRecord, TenantRepository } from '@kryonix/registry';
import { withTenantLock } from './tenant-lock.repository';

/**
 * How every change to an existing tenant runs (suspend, resume, rotations, module
 * changes, delete): under the tenant's advisory lock, refused unless the tenant is in
 * one of the `allowed` statuses, and written to the provisioning log with its outcome
 * and duration. `fn` gets the locked registry connection: its writes go through it.
 */
export class TenantOperations {
  constructor(private readonly registry: Kysely<RegistryDatabase>) {}

  run<R>(rawId: unknown, action: string, allowed: readonly TenantStatus[], fn: (admin: Kysely<RegistryDatabase>, tenant: TenantRecord) => Promise<R>): Promise<R> {
    const id = validateTenantId(rawId);
    return withTenantLock(this.registry, id, async (admin) => {
      const tenant = await new TenantRepository(admin).findById(id);
      if (!tenant) throw new TenantNotFound(id);
      if (!allowed.includes(tenant.status)) throw new TenantStateConflict(id, tenant.status, action.replace(/_/g, ' '));
      const log = new ProvisioningLogRepository(admin);
      const runId = randomUUID();
      const started = performance.now();
      try {
        const result = await fn(admin, tenant);
        await log.append({ tenantId: id, runId, action, status: 'sucesso', durationMs: performance.now() - started });
        return result;
      } catch (error) {
        await log.append({ tenantId: id, runId, action, status: 'erro', details: { error: (error as Error).message }, durationMs: performance.now() - started }).catch(() => undefined);
        throw error;
      }
    });
  }
}
