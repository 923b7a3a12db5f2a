import { Kysely, sql } from 'kysely';
import { TenantBusy } from '@kryonix/domain';
import { RegistryDatabase } from '@kryonix/registry';

/** Advisory-lock namespace of tenant operations (first key of the two-int form). */
const TENANT_LOCK_SPACE = 0x4b52_5958; // "KRYX"

/**
 * Runs `fn` on one registry connection holding the tenant's session advisory
 * lock; another holder makes it fail at once with TenantBusy. A crashed holder's
 * lock goes with its connection.
 */
export async function withTenantLock<R>(registry: Kysely<RegistryDatabase>, id: string, fn: (admin: Kysely<RegistryDatabase>) => Promise<R>): Promise<R> {
  return registry.connection().execute(async (admin) => {
    const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(${TENANT_LOCK_SPACE}, hashtext(${id})) AS locked`.execute(admin);
    if (!rows[0]?.locked) throw new TenantBusy(id);
    try {
      return await fn(admin);
    } finally {
      await sql`SELECT pg_advisory_unlock(${TENANT_LOCK_SPACE}, hashtext(${id}))`.execute(admin);
    }
  });
}
