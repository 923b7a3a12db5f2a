import { Client } from 'pg';
import { SHARED_TENANTS_DATABASE } from '@kryonix/domain';

/** What a server allows: its max_connections and the slots only superusers (and, on PostgreSQL 16+, reserved roles) may take. */
export interface ServerLimits {
  maxConnections: number;
  /** superuser_reserved_connections + reserved_connections (PostgreSQL 16+; 0 before). */
  reservedSlots: number;
}

/**
 * The server's limits, read by the gateway on one short connection (any role may read
 * these settings): on the shared tenants database, or `postgres` where there is none.
 */
export async function readServerLimits(urlFor: (database: string) => string, timeoutMs: number): Promise<ServerLimits> {
  try {
    return await readOn(urlFor(SHARED_TENANTS_DATABASE), timeoutMs);
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') throw error; // 3D000: no such database
    return readOn(urlFor('postgres'), timeoutMs);
  }
}

async function readOn(url: string, timeoutMs: number): Promise<ServerLimits> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, application_name: 'kryonix-data-plane-limits' });
  client.on('error', () => undefined); // a fault here is the caller's rejection, never the process's
  try {
    await client.connect();
    const { rows } = await client.query<{ max_connections: number; reserved_slots: number }>(
      `SELECT current_setting('max_connections')::int AS max_connections,
              current_setting('superuser_reserved_connections')::int + coalesce(current_setting('reserved_connections', true), '0')::int AS reserved_slots`,
    );
    return { maxConnections: rows[0]!.max_connections, reservedSlots: rows[0]!.reserved_slots };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The cap that follows a server's max_connections: what is left after reserved slots and others' share, divided among the data planes (at least 2). */
export function capFromLimits(limits: ServerLimits, reservedForOthers: number, dataPlanes: number): number {
  return Math.max(2, Math.floor((limits.maxConnections - limits.reservedSlots - reservedForOthers) / dataPlanes));
}
