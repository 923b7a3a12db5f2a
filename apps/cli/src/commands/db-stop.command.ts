import { Command } from 'commander';
import { stopAgents } from '../transport/agent';
import { action } from './shared';

export function dbStopCommand(): Command {
  return new Command('stop')
    .description('stop the embedded PostgreSQL under KRYONIX_HOME (its data is kept) and the local agents using it')
    .action(
      action(async () => {
        const { loadConfig, stopEmbeddedPostgres } = await import('../transport/in-process');
        await stopAgents(loadConfig().home); // they hold connections to it
        const stopped = await stopEmbeddedPostgres(loadConfig().home);
        process.stdout.write(stopped ? 'Embedded PostgreSQL stopped.\n' : 'The embedded PostgreSQL is not running.\n');
      }),
    );
}
