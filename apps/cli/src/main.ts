import { loadSettings } from '@kryonix/platform/light';
import { reportError } from './output';
import { Command, Option } from 'commander';
import { tenantLifecycleCommands } from './commands/tenant-lifecycle.commands';
import { tenantConnectionCommands } from './commands/tenant-connection.commands';
import { rebalanceCommand, serverCommand } from './commands/server.commands';
import { upCommand } from './commands/up.command';
import { migrateCommand } from './commands/migrate.command';
import { driftCommand } from './commands/drift.command';
import { dbStopCommand } from './commands/db-stop.command';
import { agentCommand } from './commands/agent.commands';
import { moduleListCommand } from './commands/module-list.command';
import { tenantCreateCommand } from './commands/tenant-create.command';
import { tenantBackupCommand, tenantCloneCommand, tenantRestoreCommand } from './commands/tenant-backup.commands';
import { tenantExportCommand } from './commands/tenant-export.commands';
import { tenantListCommand } from './commands/tenant-list.command';
import { backupListCommand } from './commands/backup-list.command';
import { tenantLogCommand } from './commands/tenant-log.command';
import { tenantRepairCommand } from './commands/tenant-repair.command';
import { tenantShowCommand } from './commands/tenant-show.command';
import { tenantMoveCommand } from './commands/tenant-move.command';

export function buildProgram(): Command {
  const program = new Command('kryonix')
    .description('Kryonix: tenant provisioning for PostgreSQL-backed SaaS.\nWith no KRYONIX_DATABASE_URL, an embedded PostgreSQL under KRYONIX_HOME (./.kryonix) is started and reused.')
    .version('0.1.0')
    .addOption(new Option('--api <url>', 'send commands to a running control plane instead of running them here').env('KRYONIX_API_URL'))
    .addOption(new Option('--token <token>', 'operator token for --api (default: $KRYONIX_HOME/operator-token when it exists)').env('KRYONIX_OPERATOR_TOKEN'));
  const tenant = new Command('tenant').description('create, inspect and change tenants');
  for (const c of [tenantCreateCommand(), tenantListCommand(), tenantShowCommand(), tenantLogCommand(), tenantRepairCommand(), tenantMoveCommand(), tenantBackupCommand(), tenantRestoreCommand(), tenantCloneCommand(), tenantExportCommand(), ...tenantLifecycleCommands(), ...tenantConnectionCommands()]) tenant.addCommand(c);
  program.addCommand(tenant);
  program.addCommand(new Command('module').description('SQL modules').addCommand(moduleListCommand()));
  program.addCommand(new Command('backup').description('the backups in KRYONIX_BACKUP_DIR').addCommand(backupListCommand()));
  program.addCommand(serverCommand());
  program.addCommand(rebalanceCommand());
  program.addCommand(migrateCommand());
  program.addCommand(driftCommand());
  program.addCommand(upCommand());
  program.addCommand(agentCommand());
  program.addCommand(new Command('db').description('the embedded PostgreSQL').addCommand(dbStopCommand()));
  applyToAll(program, (c) =>
    c.showHelpAfterError('(run with --help for usage)').exitOverride((err) => {
      // commander's usage errors (missing argument, bad choice) are invalid input: exit code 2.
      process.exit(err.exitCode === 0 ? 0 : 2);
    }),
  );
  return program;
}

function applyToAll(command: Command, fn: (c: Command) => void): void {
  fn(command);
  command.commands.forEach((c) => applyToAll(c, fn));
}

export async function run(argv: string[] = process.argv): Promise<void> {
  // The settings the CLI reads are checked before any command starts or changes anything.
  try {
    loadSettings(process.env, 'cli');
  } catch (error) {
    process.exitCode = reportError(error, argv.includes('--json') || Boolean(process.env.KRYONIX_JSON));
    return;
  }
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    process.stderr.write(`kryonix: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
