import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { agentHome, agentPid, localAgent, stopAgents } from '../transport/agent';
import { action } from './shared';

/** `kryonix agent status|stop`: the local agent the CLI starts by itself (see apps/cli/src/agent.ts). */
export function agentCommand(): Command {
  const agent = new Command('agent').description('the local agent: a background control plane on a Unix socket that keeps the core warm for the next commands (KRYONIX_AGENT=off disables it)');
  agent.addCommand(
    new Command('status').description('show the agents running under KRYONIX_HOME').action(
      action(async () => {
        const run = join(agentHome(), 'run');
        const mine = localAgent();
        const live = (existsSync(run) ? readdirSync(run).filter((f) => /^agent-[0-9a-f]{16}\.sock$/.test(f)) : [])
          .map((f) => ({ socket: join(run, f), pid: agentPid(join(run, `${f}.pid`)) }))
          .filter((a) => a.pid !== undefined); // not a socket left by an agent that died
        if (!live.length) process.stdout.write(`No agent under ${agentHome()}${mine ? '; the next command that runs here starts one.' : ' (agents are off: KRYONIX_AGENT=off, or not a build).'}\n`);
        for (const a of live) process.stdout.write(`agent pid ${a.pid}  ${a.socket}${mine && a.socket === mine.socket ? ' (this configuration)' : ''}\n`);
      }),
    ),
  );
  agent.addCommand(
    new Command('stop').description('stop the agents under KRYONIX_HOME (the next command runs here and starts a new one)').action(
      action(async () => {
        const stopped = await stopAgents(agentHome());
        process.stdout.write(stopped ? `Stopped ${stopped} agent${stopped > 1 ? 's' : ''}.\n` : 'No agent was running.\n');
      }),
    ),
  );
  return agent;
}
