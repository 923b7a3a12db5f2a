/**
 * How a CLI command reaches the core. Three paths, picked in this order for each command:
 *
 * 1. `--api <url>` (or KRYONIX_API_URL): over HTTP to a running control plane
 *    (api.service.ts), authenticated with KRYONIX_OPERATOR_TOKEN.
 * 2. The local agent (agent.ts): when this configuration's agent runs, over its Unix
 *    socket, with the same HTTP client. If nobody answers there, or it refuses the
 *    token, the command falls back to 3 (see throughAgent).
 * 3. In-process (in-process.service.ts over core.ts): the CQRS core built by Nest in this
 *    process; afterwards the agent is started in the background for the next commands.
 *    This path's code is its own bundle (dist/cli-core.js, entry in-process.ts), loaded
 *    only here, so `--help` and paths 1 and 2 start light.
 *
 * `migrate`, `drift`, `up` and `db stop` always run here (they import ./in-process themselves).
 * All three paths implement TenantService (tenant-service.ts): same output, same exit codes.
 */
import type { Command } from 'commander';
import { InternalError, KryonixError } from '@kryonix/domain';
import { ApiTenantService, ControlPlaneUnreachable } from './api.service';
import { loadSettings } from '@kryonix/platform/light';
import { LocalAgent, agentClient, cliActor, embeddedPostgresRuns, existingOperatorToken, localAgent, startAgent, stopAgent } from './agent';
import type { TenantService } from './tenant-service';

/**
 * The service a command talks to: a running control plane with --api; else this
 * machine's local agent when it runs (see ../agent); else the core in this process,
 * after which the agent is started in the background for the next commands. The
 * in-process core (NestJS, Kysely, pg) is loaded only then, so --help and commands
 * sent elsewhere stay light.
 */
export async function serviceFor(command: Command): Promise<TenantService> {
  const api = apiServiceFor(command);
  if (api) return api;
  const agent = localAgent();
  const client = agent && agentClient(agent);
  const inProcess = async () => {
    if (agent) startAgentAfterSuccess(agent);
    const { InProcessTenantService } = await import('./in-process');
    return new InProcessTenantService();
  };
  if (!client || !agent) return inProcess();
  // The agent works on the embedded server; if something stopped it since, start it again
  // first (the agent's pools reconnect by themselves), rather than fail on a stopped server.
  if (agent.embeddedPort !== undefined && !embeddedPostgresRuns(agent.home)) {
    const { ensureEmbeddedPostgres } = await import('./in-process');
    await ensureEmbeddedPostgres(agent.home, agent.embeddedPort);
  }
  return throughAgent(client, agent, inProcess);
}

/** The control plane of `--api <url>` (or KRYONIX_API_URL), when one is given. */
export function apiServiceFor(command: Command): ApiTenantService | undefined {
  const { api, token } = command.optsWithGlobals<{ api?: string; token?: string }>();
  // --api without a token: the one `kryonix up` wrote for this KRYONIX_HOME, when there is one
  return api ? new ApiTenantService(api, token ?? existingOperatorToken(loadSettings(process.env, 'cli').home), cliActor()) : undefined;
}

/**
 * Commands through the local agent, with two ways back to running here, both when the
 * agent did nothing: its socket is there but nobody answers (it exited), or it refused
 * this CLI's token (the token file was replaced since it started: it is stopped, and the
 * next agent starts with the new one). An internal error points at the agent's log.
 */
function throughAgent(primary: TenantService, agent: LocalAgent, fallback: () => Promise<TenantService>): TenantService {
  return new Proxy(primary, {
    get(target, name: keyof TenantService) {
      // Only the service's methods are wrapped (`then` must stay undefined: the proxy gets awaited).
      if (typeof target[name] !== 'function') return Reflect.get(target, name);
      return async (...args: unknown[]) => {
        try {
          return await (target[name] as (...a: unknown[]) => Promise<unknown>)(...args);
        } catch (error) {
          const refused = error instanceof KryonixError && error.code === 'UNAUTHORIZED';
          if (refused) await stopAgent(agent);
          if (refused || (error instanceof ControlPlaneUnreachable && error.nothingSent)) {
            const service = await fallback();
            return (service[name] as (...a: unknown[]) => Promise<unknown>)(...args);
          }
          if (error instanceof KryonixError && error.code === 'INTERNAL') throw new InternalError(`Internal error in the local agent; see ${agent.logFile}.`);
          throw error;
        }
      };
    },
  });
}

let agentPending = false;
/** Once this process is done, and if the command succeeded, the agent starts in the background. */
function startAgentAfterSuccess(agent: LocalAgent): void {
  if (agentPending) return;
  agentPending = true;
  process.once('exit', (code) => {
    if (code === 0) startAgent(agent);
  });
}

