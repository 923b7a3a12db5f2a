import { CommandHandler, ICommandHandler, QueryBus } from '@nestjs/cqrs';
import { DEFAULT_SERVER, InvalidInput, ServerExists, ServerUnfit, Unavailable, connectFault, validateServerName } from '@kryonix/domain';
import { DatabaseConnector, GatewayAccess, POSTGRES_PROTOCOLS, SecretBox, ServerRepository, checkedUrl, serverProblems } from '@kryonix/platform';
import { ServerRecordRepository, serverSecretContext } from '@kryonix/registry';
import { ListServersQuery, ServerSummary } from '../list-servers/list-servers.query';
import { AddServerCommand } from './add-server.command';

/**
 * `server add`: the URL is checked first (reachable, the role's rights, and for moves the
 * replication settings, each problem saying what to set), the data plane's gateway role is
 * set up there, and only then is the server recorded. A failed check records nothing.
 */
@CommandHandler(AddServerCommand)
export class AddServerHandler implements ICommandHandler<AddServerCommand, ServerSummary> {
  constructor(
    private readonly records: ServerRecordRepository,
    private readonly servers: ServerRepository,
    private readonly secrets: SecretBox,
    private readonly gateway: GatewayAccess,
    private readonly queries: QueryBus,
  ) {}

  async execute({ input }: AddServerCommand): Promise<ServerSummary> {
    const name = validateServerName(input.name);
    if (name === DEFAULT_SERVER) throw new ServerExists(name, 'Server "default" is the registry\'s own (KRYONIX_DATABASE_URL or the embedded one); give the new server another name.');
    const adminUrl = postgresUrl(input.adminUrl, 'admin URL');
    const replicationUrl = input.replicationUrl === undefined ? undefined : postgresUrl(input.replicationUrl, '--replication-url');
    if (await this.records.findByName(name)) throw new ServerExists(name);
    const moves = input.moves !== false;

    const connector = new DatabaseConnector(adminUrl, { connectTimeoutMs: 5000, poolSize: 1 });
    try {
      const admin = connector.db(decodeURIComponent(new URL(adminUrl).pathname.slice(1)) || 'postgres');
      let facts;
      try {
        facts = await this.servers.inspect(admin);
      } catch (error) {
        throw unreachable(name, error);
      }
      const problems = serverProblems(facts, moves);
      if (problems.length) throw new ServerUnfit(name, `Server "${name}" cannot take tenants${moves ? ' or moves' : ''}: ${problems.join('; ')}.`, { problems });
      await this.servers.ensureGatewayRole(admin, this.gateway.verifier(), true);
      await this.records.insert({
        name,
        adminUrlEnc: this.secrets.encrypt(adminUrl, serverSecretContext(name)),
        replicationUrlEnc: replicationUrl ? this.secrets.encrypt(replicationUrl, serverSecretContext(name, 'replication')) : null,
        tags: input.tags ?? {},
        maxTenants: input.maxTenants ?? null,
        maxStorageBytes: input.maxStorageBytes ?? null,
        moves,
        pgVersionNum: facts.versionNum,
      });
    } finally {
      await connector.close();
    }
    const [summary] = await this.queries.execute(new ListServersQuery(name));
    return summary!;
  }
}

/** A PostgreSQL URL, without saying what it holds (it has a password). */
function postgresUrl(raw: unknown, what: string): string {
  const url = typeof raw === 'string' ? checkedUrl(raw, POSTGRES_PROTOCOLS) : undefined;
  if (typeof url !== 'object' || !url.hostname) {
    throw new InvalidInput(`Invalid ${what}: give a PostgreSQL URL, postgres://<user>:<password>@<host>:<port>/<database>.`, { field: what });
  }
  return url.toString();
}

function unreachable(name: string, error: unknown): Error {
  const fault = connectFault(error);
  if (fault.credentials) return new ServerUnfit(name, `Server "${name}" refused the credentials of its admin URL.`);
  return new Unavailable(`Cannot reach server "${name}" at its admin URL (${fault.reason}); nothing was recorded.`);
}
