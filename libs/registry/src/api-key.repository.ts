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

  /** Revokes the tenant's live keys and stores the new one's hash, in one transaction. */
  async replace(tenantId: string, prefix: string, keyHash: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('tenant_management.api_keys')
        .set({ revoked_at: sql<Date>`now()` })
        .where('cliente_id', '=', tenantId)
        .where('revoked_at', 'is', null)
        .execute();
      await trx.insertInto('tenant_management.api_keys').values({ cliente_id: tenantId, prefix, key_hash: keyHash }).execute();
    });
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
