import { Query, type PoolClient, type QueryResult, type QueryResultRow } from 'pg';
import { Unavailable, isServerAway } from '@kryonix/domain';
import type { StatementOutcome, StatementPlan } from './prepared-statements';

/** The part of pg's connection the extended protocol's messages go through, and what pg knows the server holds. */
interface Wire {
  parse(message: { text: string }): void;
  bind(message: Record<string, never>): void;
  describe(message: { type: 'P' }): void;
  execute(message: Record<string, never>): void;
  close(message: { type: 'S'; name: string }): void;
  parsedStatements: Record<string, string | undefined>;
  submittedNamedStatements: Record<string, string | undefined>;
}

/** pg.Query's own sending of a statement (Parse, Bind, Describe, Execute, Sync): not in its typings. */
type Preparing = { prepare(connection: Wire): void };

/**
 * A statement behind the statements that switch its connection to a tenant, in one round
 * trip: Parse/Bind/Describe/Execute of each switch statement, the Closes of names in doubt
 * (`ConnectionStatements`), then the statement's own Parse (unless the connection holds it
 * under its name), Bind, Describe and Execute, then a single Sync. One Sync makes them one
 * implicit transaction:
 *  - a switch that fails makes the server skip everything up to the Sync: the statement
 *    behind it never runs (under the previous tenant's role, or any other);
 *  - a statement that fails rolls the switch back with it: the connection is as it was.
 * The results of the switch statements come first; the caller gets the last one, the statement's.
 * With no switch and no name it is an ordinary extended-protocol query.
 */
class SwitchedQuery extends Query {
  /** Statements of this round trip that have completed: fewer than the preamble's when an error comes, the switch is what failed. */
  completed = 0;

  constructor(
    private readonly preamble: readonly string[],
    private readonly named: StatementPlan | undefined,
    private readonly sql: string,
    values: unknown[] | undefined,
    callback: (error: Error | null, results: QueryResult | QueryResult[]) => void,
  ) {
    // extended even without values: a simple Query message would bring its own Sync
    super({ text: sql, values, name: named?.name, queryMode: 'extended', callback } as unknown as ConstructorParameters<typeof Query>[0]);
  }

  handleCommandComplete(message: unknown, connection: unknown): void {
    this.completed++;
    (Query.prototype as unknown as { handleCommandComplete(m: unknown, c: unknown): void }).handleCommandComplete.call(this, message, connection);
  }

  prepare(connection: Wire): void {
    for (const text of this.preamble) {
      connection.parse({ text });
      connection.bind({});
      // (a SET answers NoData; a SELECT's rows need their description, or pg cannot read them)
      connection.describe({ type: 'P' });
      connection.execute({});
    }
    if (this.named) {
      for (const name of this.named.close) connection.close({ type: 'S', name });
      // pg sends the Parse unless it thinks the connection holds the name: what it thinks is set from ConnectionStatements
      const { name } = this.named;
      delete connection.submittedNamedStatements[name];
      if (this.named.parse) delete connection.parsedStatements[name];
      else connection.parsedStatements[name] = this.sql;
    }
    (Query.prototype as unknown as Preparing).prepare.call(this, connection);
  }
}

/**
 * `text` run on `client` right after `preamble` (no values), in the same round trip, under
 * the name `named` gives if any; its result only. A switch that fails is a 503 (the tenant's
 * role cannot be taken on right now: e.g. its grants are being changed; the server's error
 * as its non-enumerable `cause`); the statement's own errors are its own. `settled` is told
 * how the round trip ended (for the connection's named statements).
 */
export function switchedQuery<R extends QueryResultRow>(
  client: PoolClient,
  preamble: readonly string[],
  text: string,
  values?: unknown[],
  named?: StatementPlan,
  settled?: (outcome: StatementOutcome, code?: string) => void,
): Promise<QueryResult<R>> {
  return new Promise((resolve, reject) => {
    const query = new SwitchedQuery(preamble, named, text, values, (error, results) => {
      const code = (error as { code?: string } | null)?.code;
      const switchFailed = error !== null && query.completed < preamble.length;
      settled?.(!error ? 'done' : switchFailed ? 'skipped' : 'failed', code);
      // (a server going away is left as it is: the pool discards the connection, the fault turns into a 503 as before)
      if (error && code !== undefined && !isServerAway(error) && switchFailed) {
        const refused = new Unavailable("The tenant's database session could not be set up; try again shortly.", { retryAfterSeconds: 1 });
        Object.defineProperty(refused, 'cause', { value: error, enumerable: false }); // for the log, never the response
        return reject(refused);
      }
      if (error) return reject(error);
      const all = Array.isArray(results) ? results : [results];
      resolve(all[all.length - 1] as QueryResult<R>);
    });
    // pg runs a submittable as it is given: its callback is how the result comes back
    void (client.query(query as never) as unknown);
  });
}
