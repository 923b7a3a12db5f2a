import type { Kysely } from 'kysely';
import { DEFAULT_SERVER, Unavailable } from '@kryonix/domain';
import { DatabaseConnector, ServerRepository, type SessionTimeouts, within } from '@kryonix/platform';
import { RegistryDatabase, ServerDirectory } from '@kryonix/registry';
import { TenantStorageRepository } from './tenant-storage.repository';

/** A server's Kryonix storage (its tenant databases) and client connections. */
export interface ServerUsage {
  storageBytes: number;
  connections: number;
}

/** One PostgreSQL server as the code that shapes tenants uses it. */
export interface TenantServer {
  name: string;
  connector: DatabaseConnector;
  /** The tenant SQL bound to this server's connections. */
  storage: TenantStorageRepository;
  /**
   * A connection of the admin role for server-wide statements (roles, databases). On the
   * registry's own server (`default`) it is the registry's: the control database lives there.
   */
  admin: Kysely<unknown>;
}

/**
 * Every tenant's objects are on its server (clientes.server_name): the storage SQL and the
 * admin connection of a server, by name. `default` is this process's own server.
 */
export class TenantServers {
  private readonly storages = new WeakMap<DatabaseConnector, TenantStorageRepository>();

  constructor(
    private readonly directory: ServerDirectory,
    private readonly registry: Kysely<RegistryDatabase>,
    private readonly defaultConnector: DatabaseConnector,
    private readonly defaultStorage: TenantStorageRepository,
    private readonly servers: ServerRepository,
    private readonly timeouts?: SessionTimeouts,
  ) {}

  /** The registry's own server. */
  default(): TenantServer {
    return { name: DEFAULT_SERVER, connector: this.defaultConnector, storage: this.defaultStorage, admin: this.registry as Kysely<unknown> };
  }

  /** Server `name` (ServerNotFound when it is not registered). */
  async get(name: string): Promise<TenantServer> {
    if (name === DEFAULT_SERVER) return this.default();
    const record = await this.directory.record(name);
    const connector = this.directory.connectorFor(record);
    let storage = this.storages.get(connector);
    if (!storage) {
      storage = new TenantStorageRepository(connector, this.servers, this.timeouts);
      this.storages.set(connector, storage);
    }
    return { name, connector, storage, admin: this.directory.adminDb(record) };
  }

  /**
   * Server `name`'s Kryonix storage and client connections now, asked within `timeoutMs`
   * (KRYONIX_ACQUIRE_TIMEOUT_MS); when it does not answer, why (never a URL). Placement and
   * `server list` ask each server this way.
   */
  async usageNow(name: string, timeoutMs: number): Promise<ServerUsage | { error: string }> {
    try {
      const server = await this.get(name);
      return await within(this.servers.usage(server.admin), timeoutMs, () => new Unavailable(`Server "${name}" did not answer within ${timeoutMs} ms.`));
    } catch (error) {
      return { error: (error as Error).message || (error as { code?: string }).code || 'unreachable' };
    }
  }

  /** usageNow, or null when the server does not answer in time. */
  async usageOrNull(name: string, timeoutMs: number): Promise<ServerUsage | null> {
    const usage = await this.usageNow(name, timeoutMs);
    return 'error' in usage ? null : usage;
  }

  /** The admin URL of a server (a secret), for the host and port a direct login uses. */
  async adminUrl(name: string): Promise<string> {
    return this.directory.adminUrl(await this.directory.record(name));
  }
}
