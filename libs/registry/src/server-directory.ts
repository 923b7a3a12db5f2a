import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { DEFAULT_SERVER, ServerNotFound } from '@kryonix/domain';
import { DatabaseConnector, KRYONIX_CONFIG, type KryonixConfig, PostgresServer, SecretBox } from '@kryonix/platform';
import { ServerRecord, ServerRecordRepository } from './server-record.repository';

/** The secret box context of a server's URLs. */
export const serverSecretContext = (name: string, kind: 'admin' | 'replication' = 'admin') => `server:${name}:${kind}`;

/**
 * Where each registered PostgreSQL server is reached: `default` is this process's own
 * server (KRYONIX_DATABASE_URL or the embedded one: its URL is never stored); the others'
 * admin URLs are decrypted from the registry. One connector per server, made on first use
 * and closed at shutdown; a server whose URL changed gets a new one.
 */
@Injectable()
export class ServerDirectory implements OnApplicationShutdown {
  private readonly connectors = new Map<string, { url: string; connector: DatabaseConnector }>();

  constructor(
    private readonly records: ServerRecordRepository,
    private readonly defaultConnector: DatabaseConnector,
    private readonly defaultServer: PostgresServer,
    private readonly secrets: SecretBox,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {}

  /** The admin URL of a server (a secret: never print or log it). */
  adminUrl(record: Pick<ServerRecord, 'name' | 'adminUrlEnc'>): string {
    if (record.name === DEFAULT_SERVER || !record.adminUrlEnc) return this.defaultServer.adminUrl;
    return this.secrets.decrypt(record.adminUrlEnc, serverSecretContext(record.name));
  }

  /** The URL another server's subscription uses to reach this one: its replication URL, else its admin URL. */
  replicationUrl(record: Pick<ServerRecord, 'name' | 'adminUrlEnc' | 'replicationUrlEnc'>): string {
    if (record.replicationUrlEnc) return this.secrets.decrypt(record.replicationUrlEnc, serverSecretContext(record.name, 'replication'));
    return this.adminUrl(record);
  }

  async record(name: string): Promise<ServerRecord> {
    const record = await this.records.findByName(name);
    if (!record) throw new ServerNotFound(name);
    return record;
  }

  /** The connector of server `name` (the default server's is the process's own). */
  async connector(name: string): Promise<DatabaseConnector> {
    if (name === DEFAULT_SERVER) return this.defaultConnector;
    return this.connectorFor(await this.record(name));
  }

  connectorFor(record: Pick<ServerRecord, 'name' | 'adminUrlEnc'>): DatabaseConnector {
    if (record.name === DEFAULT_SERVER) return this.defaultConnector;
    const url = this.adminUrl(record);
    const known = this.connectors.get(record.name);
    if (known?.url === url) return known.connector;
    if (known) void known.connector.close().catch(() => undefined);
    const connector = new DatabaseConnector(url, { connectTimeoutMs: this.config.acquireTimeoutMs });
    this.connectors.set(record.name, { url, connector });
    return connector;
  }

  /** A pooled admin connection of a server, on the database its URL names (else `postgres`). */
  adminDb(record: Pick<ServerRecord, 'name' | 'adminUrlEnc'>): Kysely<unknown> {
    return this.connectorFor(record).db(this.adminDatabase(record));
  }

  /** Runs `fn` on a short-lived admin connection of a server (no pool left open behind it). */
  adminOnce<R>(record: Pick<ServerRecord, 'name' | 'adminUrlEnc'>, fn: (admin: Kysely<unknown>) => Promise<R>): Promise<R> {
    return this.connectorFor(record).once(this.adminDatabase(record), fn);
  }

  /** The database a server's admin URL names (else `postgres`). */
  private adminDatabase(record: Pick<ServerRecord, 'name' | 'adminUrlEnc'>): string {
    return decodeURIComponent(new URL(this.adminUrl(record)).pathname.slice(1)) || 'postgres';
  }

  /** Closes the connector of a server that is no longer registered. */
  async forget(name: string): Promise<void> {
    const known = this.connectors.get(name);
    this.connectors.delete(name);
    await known?.connector.close();
  }

  async onApplicationShutdown(): Promise<void> {
    const all = [...this.connectors.values()];
    this.connectors.clear();
    await Promise.all(all.map((c) => c.connector.close().catch(() => undefined)));
  }
}
