import { Kysely, sql } from 'kysely';
import type { Client } from 'pg';
import { TENANT_EVENTS_PG_CHANNEL, quoteIdent } from '@kryonix/domain';
import { RegistryDatabase } from './database';

/**
 * Tenant events over PostgreSQL's own LISTEN/NOTIFY on the control database: the channel
 * every data plane listens on, with or without Redis. A notification is delivered when the
 * sending transaction commits, to every session listening at that moment (one that is
 * disconnected misses it: listeners start from a clean cache when they reconnect).
 */
export class TenantEventsRepository {
  constructor(private readonly db: Kysely<RegistryDatabase>) {}

  /** `message` is the event's JSON ({ type, tenantId, at }); PostgreSQL limits it to 8000 bytes. */
  async notify(message: string): Promise<void> {
    await sql`SELECT pg_notify(${TENANT_EVENTS_PG_CHANNEL}, ${message})`.execute(this.db);
  }
}

/** Starts listening on a dedicated (not pooled) connection to the control database. */
export async function listenToTenantEvents(client: Client): Promise<void> {
  await client.query(`LISTEN ${quoteIdent(TENANT_EVENTS_PG_CHANNEL)}`);
}
