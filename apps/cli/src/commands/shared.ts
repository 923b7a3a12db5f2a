import { Command, Option } from 'commander';
import { InvalidInput, KryonixError, InternalError } from '@kryonix/domain';
import { reportError } from '../output';
import { ApiTenantService, ControlPlaneUnreachable } from '../api.service';
import { LocalAgent, agentClient, cliActor, localAgent, startAgent, stopAgent } from '../agent';
import type { TenantService } from '../tenant-service';

/** commander option parser for repeatable, comma-separated lists (`--tenant a --tenant b,c`). */
export const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];

export function jsonOption(): Option {
  return new Option('--json', 'print JSON').env('KRYONIX_JSON');
}

/**
 * The service a command talks to: a running control plane with --api; else this
 * machine's local agent when it runs (see ../agent); else the core in this process,
 * after which the agent is started in the background for the next commands. The
 * in-process core (NestJS, Kysely, pg) is loaded only then, so --help and commands
 * sent elsewhere stay light.
 */
export async function serviceFor(command: Command): Promise<TenantService> {
  const { api, token } = command.optsWithGlobals<{ api?: string; token?: string }>();
  if (api) return new ApiTenantService(api, token, cliActor());
  const agent = localAgent();
  const client = agent && agentClient(agent);
  const inProcess = async () => {
    if (agent) startAgentAfterSuccess(agent);
    const { InProcessTenantService } = await import('../in-process');
    return new InProcessTenantService();
  };
  return client && agent ? throughAgent(client, agent, inProcess) : inProcess();
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

/** Commands that only run in-process say so, rather than silently acting on another (embedded) server. */
export function refuseApi(command: Command, name: string, route: string): void {
  if (command.optsWithGlobals<{ api?: string }>().api) {
    throw new InvalidInput(`kryonix ${name} runs next to the database, not through --api / KRYONIX_API_URL; unset it, or call ${route} on the control plane.`);
  }
}

/** Wraps a command action: domain errors become one sentence on stderr and the mapped exit code. */
export function action<A extends unknown[]>(fn: (command: Command, ...args: A) => Promise<void>) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args[args.length - 1] as Command;
    try {
      await fn(command, ...(args.slice(0, -1) as A));
    } catch (error) {
      process.exitCode = reportError(error, Boolean(command.optsWithGlobals().json));
    }
  };
}
