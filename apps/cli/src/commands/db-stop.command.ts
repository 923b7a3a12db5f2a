import { Command } from 'commander';
import { action } from './shared';

export function dbStopCommand(): Command {
  return new Command('stop')
    .description('stop the embedded PostgreSQL under KRYONIX_HOME (its data is kept)')
    .action(
      action(async () => {
        const { loadConfig, stopEmbeddedPostgres } = await import('@kryonix/provisioning');
        const stopped = await stopEmbeddedPostgres(loadConfig().home);
        process.stdout.write(stopped ? 'Embedded PostgreSQL stopped.\n' : 'The embedded PostgreSQL is not running.\n');
      }),
    );
}
