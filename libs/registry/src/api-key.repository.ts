import { Kysely, sql } from 'kysely';
import { RegistryDatabase } from './database';

export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export class ApiKeyRepository {
  constructor(private readonly db: Kysely<RegistryDatabase>) {}

  /**
   * Stores the new key's hash and revokes the tenant's live keys, in one
   * transaction: at once, or after `overlapMs` so apps can switch keys without a gap.
   * A key is valid while revoked_at is null or in the future.
   */
  async replace(tenantId: string, prefix: string, keyHash: string, overlapMs = 0): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('tenant_management.api_keys')
        .set({ revoked_at: sql<Date>`now() + make_interval(secs => ${overlapMs / 1000})` })
        .where('cliente_id', '=', tenantId)
        .where((w) => w.or([w('revoked_at', 'is', null), w('revoked_at', '>', sql<Date>`now() + make_interval(secs => ${overlapMs / 1000})`)]))
        .execute();
      await trx.insertInto('tenant_management.api_keys').values({ cliente_id: tenantId, prefix, key_hash: keyHash }).execute();
    });
  }

  /** Hashes of the tenant's keys that are valid now (not revoked, or revoked in the future: an overlap). */
  async validHashes(tenantId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('tenant_management.api_keys')
      .select('key_hash')
      .where('cliente_id', '=', tenantId)
      .where((w) => w.or([w('revoked_at', 'is', null), w('revoked_at', '>', sql<Date>`now()`)]))
      .execute();
    return rows.map((r) => r.key_hash);
  }

  async deleteFor(tenantId: string): Promise<void> {
    await this.db.deleteFrom('tenant_management.api_keys').where('cliente_id', '=', tenantId).execute();
  }

  async listFor(tenantId: string): Promise<ApiKeyRecord[]> {
    const rows = await this.db
      .selectFrom('tenant_management.api_keys')
      .select(['id', 'cliente_id', 'prefix', 'created_at', 'revoked_at'])
      .where('cliente_id', '=', tenantId)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ id: r.id, tenantId: r.cliente_id, prefix: r.prefix, createdAt: r.created_at, revokedAt: r.revoked_at }));
  }
}
