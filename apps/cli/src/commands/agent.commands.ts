import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { agentHome, localAgent, stopAgents } from '../agent';
import { action } from './shared';

/** `kryonix agent status|stop`: the local agent the CLI starts by itself (see apps/cli/src/agent.ts). */
export function agentCommand(): Command {
  const agent = new Command('agent').description('the local agent: a background control plane on a Unix socket that keeps the core warm for the next commands (KRYONIX_AGENT=off disables it)');
  agent.addCommand(
    new Command('status').description('show the agents running under KRYONIX_HOME').action(
      action(async () => {
        const run = join(agentHome(), 'run');
        const mine = localAgent();
        const sockets = existsSync(run) ? readdirSync(run).filter((f) => /^agent-[0-9a-f]{16}\.sock$/.test(f)) : [];
        if (!sockets.length) process.stdout.write(`No agent under ${agentHome()}${mine ? '; the next command that runs here starts one.' : ' (agents are off: KRYONIX_AGENT=off, or not a build).'}\n`);
        for (const f of sockets) {
          const pidFile = join(run, `${f}.pid`);
          const pid = existsSync(pidFile) ? readFileSync(pidFile, 'utf8').trim() : '?';
          const current = mine && join(run, f) === mine.socket ? ' (this configuration)' : '';
          process.stdout.write(`agent pid ${pid}  ${join(run, f)}${current}\n`);
        }
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
