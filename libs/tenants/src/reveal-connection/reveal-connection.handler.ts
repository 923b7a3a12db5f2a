import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { TenantStateConflict, tenantSchemaName } from '@kryonix/domain';
import { SecretBox } from '@kryonix/platform';
import { TenantOperations, TenantServers } from '@kryonix/provisioning';
import { RevealConnectionCommand, TenantConnection } from './reveal-connection.command';

/**
 * The tenant role's login, for apps that connect to PostgreSQL directly (as the source
 * SDK did): the server's host and port (never its admin credentials), the tenant's
 * database, its role and the decrypted password. Only an active tenant can log in.
 */
@CommandHandler(RevealConnectionCommand)
export class RevealConnectionHandler implements ICommandHandler<RevealConnectionCommand, TenantConnection> {
  constructor(
    private readonly operations: TenantOperations,
    private readonly servers: TenantServers,
    private readonly secrets: SecretBox,
  ) {}

  execute({ id }: RevealConnectionCommand): Promise<TenantConnection> {
    return this.operations.run(id, 'reveal_connection', ['active', 'suspended'], async (_admin, t) => {
      if (t.status === 'suspended') throw new TenantStateConflict(t.id, t.status, 'connect (its role cannot log in; resume it first)');
      if (!t.rolePasswordEnc) throw new TenantStateConflict(t.id, 'without a stored password', `reveal its connection (run \`kryonix tenant rotate-credentials ${t.id}\`)`);
      const password = this.secrets.decrypt(t.rolePasswordEnc, t.id);
      const { hostname, port } = new URL(await this.servers.adminUrl(t.serverName)); // the tenant's server, never its credentials
      const host = hostname.replace(/^\[(.*)\]$/, '$1'); // an IPv6 literal without its brackets
      const schemas = t.modules.map((m) => tenantSchemaName(t.id, t.mode, m));
      const target = { host, port: port ? Number(port) : 5432, database: t.databaseName, user: t.roleName, schemas };
      return { id: t.id, mode: t.mode, ...target, password, url: connectionUrl({ ...target, password }) };
    });
  }
}

function connectionUrl(c: { host: string; port: number; database: string; user: string; password: string; schemas: string[] }): string {
  const host = c.host.includes(':') ? `[${c.host}]` : c.host;
  const options = c.schemas.length ? `?options=${encodeURIComponent(`-c search_path=${c.schemas.join(',')}`)}` : '';
  return `postgresql://${encodeURIComponent(c.user)}:${encodeURIComponent(c.password)}@${host}:${c.port}/${encodeURIComponent(c.database)}${options}`;
}
