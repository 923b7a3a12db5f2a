import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Command } from 'commander';
import { ConfigurationError } from '@kryonix/domain';
import { printJson } from '../output';
import { action, jsonOption } from './shared';
import { serviceFor } from '../transport';
import type { TenantConnection } from '@kryonix/tenants';

const MOVES = 'It changes if the tenant moves to another server; `kryonix tenant rotate-credentials` replaces the password.';

/** `tenant connection-string` and `tenant psql`: a direct PostgreSQL login as the tenant role, for apps that connect without the data plane. */
export function tenantConnectionCommands(): Command[] {
  return [
    new Command('connection-string')
      .description("print the tenant role's PostgreSQL connection URI, password included (shown on purpose, audited)")
      .argument('<id>', 'tenant id')
      .addOption(jsonOption())
      .action(
        action(async (command, id: string, opts: { json?: boolean }) => {
          const c = await (await serviceFor(command)).revealConnection(id);
          if (opts.json) return printJson(c);
          process.stdout.write(`${c.url}\n`);
          process.stderr.write(`The password of role ${c.user} is in it: keep it in your app's secret store. ${MOVES}\n`);
        }),
      ),
    new Command('psql')
      .description('open psql as the tenant role (psql must be installed: the embedded PostgreSQL package has none); arguments after -- go to psql')
      .argument('<id>', 'tenant id')
      .argument('[psqlArgs...]', 'passed to psql, e.g. -- -c "SELECT 1"')
      .action(
        action(async (command, id: string, psqlArgs: string[]) => {
          const psql = onPath('psql');
          if (!psql) {
            throw new ConfigurationError(`psql is not installed here (the embedded PostgreSQL package has none): install the PostgreSQL client (e.g. apt-get install postgresql-client), or use \`kryonix tenant connection-string ${id}\` with a client of your own.`);
          }
          const c = await (await serviceFor(command)).revealConnection(id);
          process.exitCode = await runPsql(psql, c, psqlArgs);
        }),
      ),
  ];
}

/** psql gets the login through its environment (PG* variables), never through its arguments, which other users can read. */
function runPsql(psql: string, c: TenantConnection, args: string[]): Promise<number> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PGHOST: c.host,
    PGPORT: String(c.port),
    PGDATABASE: c.database,
    PGUSER: c.user,
    PGPASSWORD: c.password,
    PGAPPNAME: `kryonix psql ${c.id}`,
    ...(c.schemas.length ? { PGOPTIONS: `-c search_path=${c.schemas.join(',')}` } : {}),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(psql, args, { stdio: 'inherit', env });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
