import { GATEWAY_ROLE } from '@kryonix/domain';
import { scramSha256Verifier, type SecretBox } from '../secrets';
import type { PostgresServer } from './postgres-server';

/** How the data plane logs in: the gateway role, its password derived from the master key, on every server. */
export class GatewayAccess {
  constructor(
    private readonly server: PostgresServer,
    private readonly secrets: SecretBox,
  ) {}

  /** The gateway's password: a 256-bit secret derived from the master key. */
  password(): string {
    return this.secrets.derive('gateway-password');
  }

  /**
   * What ALTER ROLE … PASSWORD stores for it. The password is a 256-bit derived secret: key
   * stretching adds nothing but cost to every connection the data plane opens, so the
   * verifier uses few iterations.
   */
  verifier(): string {
    return scramSha256Verifier(this.password(), 16);
  }

  /**
   * The gateway's URL for `database` on the server of `adminUrl` (its host and port; default:
   * this process's own server). A secret: never print or log it.
   */
  url(database: string, adminUrl: string = this.server.adminUrl): string {
    const url = new URL(adminUrl);
    url.username = GATEWAY_ROLE;
    url.password = this.password();
    url.pathname = `/${encodeURIComponent(database)}`;
    return url.toString();
  }
}
