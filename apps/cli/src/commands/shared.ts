import { Command, Option } from 'commander';
import { InvalidInput } from '@kryonix/domain';
import { reportError } from '../output';

/** commander option parser for repeatable, comma-separated lists (`--tenant a --tenant b,c`). */
export const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];

export function jsonOption(): Option {
  return new Option('--json', 'print JSON').env('KRYONIX_JSON');
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
