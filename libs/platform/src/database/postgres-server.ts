import { ConfigurationError, Unavailable, connectFault } from '@kryonix/domain';
import type { KryonixConfig } from '../config';
import { ensureEmbeddedPostgres } from '../embedded-postgres';

/** The PostgreSQL server this process works on: KRYONIX_DATABASE_URL, or the embedded one (started on demand). */
export class PostgresServer {
  private constructor(
    /** Admin URL (a secret: it may hold a password). */
    readonly adminUrl: string,
    readonly embedded: boolean,
  ) {}

  static async open(config: Pick<KryonixConfig, 'databaseUrl' | 'home' | 'embeddedPort'>): Promise<PostgresServer> {
    if (config.databaseUrl) return new PostgresServer(config.databaseUrl, false);
    return new PostgresServer((await ensureEmbeddedPostgres(config.home, config.embeddedPort)).url, true);
  }

  /** The database an admin connection lands on first (the URL's path, else `postgres`). */
  get maintenanceDatabase(): string {
    return decodeURIComponent(new URL(this.adminUrl).pathname.slice(1)) || 'postgres';
  }

  /** What a failed first connection means for the operator, in one sentence. */
  static explain(error: unknown): Error {
    const fault = connectFault(error);
    if (fault.credentials) return new ConfigurationError('PostgreSQL refused the credentials of KRYONIX_DATABASE_URL.');
    // Away (not misconfigured, as far as we can tell): exit 1 / 503, and it may come back.
    if (fault.away) return new Unavailable(`Cannot reach PostgreSQL at KRYONIX_DATABASE_URL (${fault.reason}).`);
    return error instanceof Error ? error : new Error(String(error));
  }
}
