import { Command, Option } from 'commander';
import { reportError } from '../output';

export function jsonOption(): Option {
  return new Option('--json', 'print JSON').env('KRYONIX_JSON');
}

/** Wraps a command action: domain errors become one sentence on stderr and the mapped exit code. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args[args.length - 1] as Command;
    try {
      await fn(...(args.slice(0, -1) as A));
    } catch (error) {
      process.exitCode = reportError(error, Boolean(command.opts().json));
    }
  };
}
