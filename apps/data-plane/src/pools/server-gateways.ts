import { Inject, Injectable } from '@nestjs/common';
import { DEFAULT_SERVER, KryonixError, Unavailable, fromServerFault } from '@kryonix/domain';
import { GatewayAccess, KRYONIX_CONFIG, type KryonixConfig, type OutageLog, ServerRepository, within } from '@kryonix/platform';
import { ServerDirectory, ServerRecord, ServerRecordRepository } from '@kryonix/registry';
import type { GatewayUrl } from './server-pools';

/** Where the data plane logs in on one server. */
export interface ServerGateway {
  name: string;
  urlFor: GatewayUrl;
  /** The registered admin URL (encrypted) it was made from: a new one means the server was registered again. */
  fingerprint: string | null;
}

/**
 * The gateway on every registered server. `default` is this process's own server, whose
 * gateway password PlatformModule set at start. Another server's record is read from the
 * registry the first time one of its tenants is served (so a server added after this
 * process started needs no restart) and kept; the gateway role's password is set there
 * then, from this process's master key, as it is on the default server at start.
 */
@Injectable()
export class ServerGateways {
  /** Records read once: a retry after the server was down needs no second registry read. */
  private readonly records = new Map<string, ServerRecord>();

  constructor(
    private readonly registered: ServerRecordRepository,
    private readonly directory: ServerDirectory,
    private readonly servers: ServerRepository,
    private readonly gateway: GatewayAccess,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {}

  defaultGateway(): ServerGateway {
    return { name: DEFAULT_SERVER, fingerprint: null, urlFor: (database) => this.gateway.url(database) };
  }

  /**
   * Server `name` made ready for the gateway: its URL known, the gateway role's password
   * set. Each failure is a 503 (UNAVAILABLE) within KRYONIX_ACQUIRE_TIMEOUT_MS, and the
   * next call tries again. The server's faults are told to `outage`; the registry's are the
   * route cache's to tell.
   */
  async open(name: string, outage: OutageLog): Promise<ServerGateway> {
    if (name === DEFAULT_SERVER) return this.defaultGateway();
    const record = this.records.get(name) ?? (await this.read(name));
    if (!record) throw new Unavailable('The tenant\'s database server is not registered; try again shortly.', { retryAfterSeconds: 1 });
    try {
      await this.bounded(this.directory.adminOnce(record, (admin) => this.servers.ensureGatewayRole(admin, this.gateway.verifier(), true)));
    } catch (error) {
      outage.failed(error); // the reason only (a code or message), never the URL
      // e.g. the admin role may no longer alter roles: the operator reads why in the outage line, the client gets a 503
      if (error instanceof KryonixError) throw error;
      throw new Unavailable('The tenant\'s database server cannot be used right now; try again shortly.', { retryAfterSeconds: 1 });
    }
    outage.ok();
    const adminUrl = this.directory.adminUrl(record);
    return { name, fingerprint: record.adminUrlEnc, urlFor: (database) => this.gateway.url(database, adminUrl) };
  }

  /**
   * Whether `gateway` still matches the registry: false when the server was removed or
   * registered again with another URL (the next open reads it again); true when the
   * registry cannot say (what is known keeps serving).
   */
  async current(gateway: ServerGateway): Promise<boolean> {
    if (gateway.name === DEFAULT_SERVER) return true;
    let record: ServerRecord | undefined;
    try {
      record = await this.bounded(this.registered.findByName(gateway.name));
    } catch {
      return true;
    }
    if (record && record.adminUrlEnc === gateway.fingerprint) return true;
    this.records.delete(gateway.name);
    return false;
  }

  private async read(name: string): Promise<ServerRecord | undefined> {
    const record = await this.bounded(this.registered.findByName(name));
    if (record) this.records.set(name, record);
    return record;
  }

  /** `work` within the acquire timeout, its faults as 503s. */
  private async bounded<T>(work: Promise<T>): Promise<T> {
    try {
      return await within(work, this.config.acquireTimeoutMs, () => new Unavailable('A database server does not answer in time; try again shortly.', { retryAfterSeconds: 1 }));
    } catch (error) {
      throw fromServerFault(error);
    }
  }
}
