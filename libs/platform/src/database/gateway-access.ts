import { GATEWAY_ROLE } from '@kryonix/domain';
import type { SecretBox } from '../secrets';
import type { PostgresServer } from './postgres-server';

/** How the data plane logs in: the gateway role, its password derived from the master key. */
export class GatewayAccess {
  constructor(
    private readonly server: PostgresServer,
    private readonly secrets: SecretBox,
  ) {}

  /** The gateway's password: a 256-bit secret derived from the master key. */
  password(): string {
    return this.secrets.derive('gateway-password');
  }

  url(database: string): string {
    const url = new URL(this.server.adminUrl);
    url.username = GATEWAY_ROLE;
    url.password = this.password();
    url.pathname = `/${encodeURIComponent(database)}`;
    return url.toString();
  }
}
