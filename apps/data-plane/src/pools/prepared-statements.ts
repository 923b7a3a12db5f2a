import { createHash } from 'node:crypto';

/** Named statements a data-plane connection keeps at most (each about 28 KB of its backend's memory: query and plan). */
export const PREPARED_PER_CONNECTION = 64;
/** How many statements run unnamed a connection remembers, so that one is named on its second use among them. */
const SEEN_PER_CONNECTION = PREPARED_PER_CONNECTION * 4;

/** How one statement goes out: under a name (Parse first if the connection does not hold it), after Closes of names in doubt. */
export interface StatementPlan {
  name: string;
  parse: boolean;
  /** Names to Close before it (closing a name the server does not hold is no error). */
  close: readonly string[];
}

/** How the round trip that carried a plan ended. */
export type StatementOutcome =
  /** every message ran */
  | 'done'
  /** the statement failed (its Parse may or may not have run); the Closes before it ran */
  | 'failed'
  /** nothing of it ran: the switch ahead of it failed, and the server skipped the rest */
  | 'skipped';

/**
 * The named (prepared) statements one data-plane connection holds, so that a statement run
 * often on it is parsed and planned once, not on every request: PostgreSQL keeps its plan
 * (generic after five runs) and checks the role's rights at each execution, so the tenant
 * that runs it does not matter (and a statement names its tenant's schema: another
 * tenant's statement has another text, so another name). Bounded:
 *  - a statement is named on its second use among the connection's last few hundred, so
 *    traffic spread over more tenants than the connection can hold stays unnamed (no churn);
 *  - at most PREPARED_PER_CONNECTION names, the least recently used closed to make room;
 *  - a name whose state on the server is in doubt (its Parse in a round trip that failed,
 *    or its Close in one that was skipped) is closed before it is used again.
 * The name is a hash of the text: one text, one name, on every connection.
 */
export class ConnectionStatements {
  /** Names the server holds, least recently used first. */
  private readonly ready = new Map<string, true>();
  private readonly seen = new Map<string, true>();
  private readonly doubtful = new Set<string>();

  /** The plan for `text`, or undefined to run it unnamed (its first use lately). */
  plan(text: string): StatementPlan | undefined {
    const name = statementName(text);
    if (this.ready.delete(name)) {
      this.ready.set(name, true);
      return { name, parse: false, close: this.inDoubt() };
    }
    if (!this.seen.delete(name)) {
      this.seen.set(name, true);
      if (this.seen.size > SEEN_PER_CONNECTION) this.seen.delete(this.seen.keys().next().value!);
      return undefined;
    }
    if (this.ready.size >= PREPARED_PER_CONNECTION) {
      const oldest = this.ready.keys().next().value!;
      this.ready.delete(oldest);
      this.doubtful.add(oldest);
    }
    // a name in doubt is closed in the same round trip, before its Parse
    return { name, parse: true, close: this.inDoubt() };
  }

  /** The names to Close in the next round trip (none, almost always: no array made for that on each request). */
  private inDoubt(): readonly string[] {
    return this.doubtful.size === 0 ? NONE : [...this.doubtful];
  }

  settle(plan: StatementPlan, outcome: StatementOutcome, errorCode?: string): void {
    if (outcome === 'skipped') {
      // nothing ran: what was in doubt still is, and a skipped Parse made nothing (its next use parses it)
      if (plan.parse) this.seen.set(plan.name, true);
      return;
    }
    for (const name of plan.close) this.doubtful.delete(name);
    if (outcome === 'done') {
      if (plan.parse) this.ready.set(plan.name, true);
      return;
    }
    if (plan.parse || errorCode === STALE_PLAN || errorCode === NO_SUCH_STATEMENT) {
      // a failed Parse made nothing, but a Parse that worked before a failed Bind or Execute made it: not known which
      this.ready.delete(plan.name);
      this.doubtful.add(plan.name);
    }
    // (any other failure of a statement the server holds, a unique violation say, leaves it as it was)
  }

  get size(): number {
    return this.ready.size;
  }
}

/** "cached plan must not change result type": the table's columns changed (a migration) under a `SELECT *` the connection holds. */
export const STALE_PLAN = '0A000';
/** "prepared statement … does not exist": the server lost what this connection thought it held. */
export const NO_SUCH_STATEMENT = '26000';

const NONE: readonly string[] = Object.freeze([]);

const byConnection = new WeakMap<object, ConnectionStatements>();

/** The statements `connection` holds (its state lives as long as the connection object does). */
export function statementsOf(connection: object): ConnectionStatements {
  let statements = byConnection.get(connection);
  if (!statements) byConnection.set(connection, (statements = new ConnectionStatements()));
  return statements;
}

function statementName(text: string): string {
  return `kx_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
}
