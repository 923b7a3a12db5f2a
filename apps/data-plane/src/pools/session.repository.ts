import type { PoolClient } from 'pg';
import { quoteIdent } from '@kryonix/domain';

/**
 * Makes a gateway connection act as one tenant: its role and its schemas, at session
 * level, in one simple-query message (one round trip). Names are quoted identifiers.
 */
export async function actAs(client: PoolClient, role: string, schemas: readonly string[]): Promise<void> {
  const path = schemas.map(quoteIdent).join(', ');
  await client.query(`SET ROLE ${quoteIdent(role)}; SET search_path TO ${path || "''"}`);
}
