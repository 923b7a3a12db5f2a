import { Kysely, sql } from 'kysely';
import type { RegistryDatabase } from './database';

/** A console session as the registry keeps it: no cookie secret, the CSRF secret still sealed. */
export interface ConsoleSessionRecord {
  id: string;
  csrfSecretEnc: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

const TABLE = 'tenant_management.console_sessions' as const;

/** The operator console's sessions (sql/registry/0010_console_sessions.sql). */
export class ConsoleSessionRepository {
  constructor(private readonly db: Kysely<RegistryDatabase>) {}

  async insert(session: { id: string; secretHash: Buffer; csrfSecretEnc: string; maxAgeMs: number; clientAddress?: string }): Promise<ConsoleSessionRecord> {
    const row = await this.db
      .insertInto(TABLE)
      .values({
        id: session.id,
        secret_hash: session.secretHash,
        csrf_secret_enc: session.csrfSecretEnc,
        expires_at: sql<Date>`now() + make_interval(secs => ${session.maxAgeMs / 1000})`,
        client_address: session.clientAddress ?? null,
      })
      .returning(['id', 'csrf_secret_enc', 'created_at', 'last_seen_at', 'expires_at'])
      .executeTakeFirstOrThrow();
    return toRecord(row);
  }

  /**
   * The live session whose secret hashes to `secretHash`, its last use moved to now; none
   * when it is unknown, past its absolute expiry, or idle for longer than `idleMs`.
   */
  async touch(secretHash: Buffer, idleMs: number): Promise<ConsoleSessionRecord | undefined> {
    const row = await this.db
      .updateTable(TABLE)
      .set({ last_seen_at: sql<Date>`now()` })
      .where('secret_hash', '=', secretHash)
      .where('expires_at', '>', sql<Date>`now()`)
      .where('last_seen_at', '>', sql<Date>`now() - make_interval(secs => ${idleMs / 1000})`)
      .returning(['id', 'csrf_secret_enc', 'created_at', 'last_seen_at', 'expires_at'])
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /** Signs a session out; true when there was one. */
  async remove(secretHash: Buffer): Promise<string | undefined> {
    const row = await this.db.deleteFrom(TABLE).where('secret_hash', '=', secretHash).returning('id').executeTakeFirst();
    return row?.id;
  }

  /** Drops sessions past either expiry (called at each sign-in: the table stays small). */
  async removeExpired(idleMs: number): Promise<number> {
    const result = await this.db
      .deleteFrom(TABLE)
      .where((eb) => eb.or([eb('expires_at', '<=', sql<Date>`now()`), eb('last_seen_at', '<=', sql<Date>`now() - make_interval(secs => ${idleMs / 1000})`)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function toRecord(row: { id: string; csrf_secret_enc: string; created_at: Date; last_seen_at: Date; expires_at: Date }): ConsoleSessionRecord {
  return { id: row.id, csrfSecretEnc: row.csrf_secret_enc, createdAt: row.created_at, lastSeenAt: row.last_seen_at, expiresAt: row.expires_at };
}
