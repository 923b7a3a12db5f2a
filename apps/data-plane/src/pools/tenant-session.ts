import type { PoolClient, QueryResult, QueryResultRow } from 'pg';
import { NO_SUCH_STATEMENT, STALE_PLAN, statementsOf, type StatementOutcome, type StatementPlan } from './prepared-statements';
import { switchedQuery } from './switched-query';

/** What a request's statements run on: a connection acting as the tenant. */
export interface TenantQueryable {
  query<R extends QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

/**
 * One request's use of a connection. When the connection does not carry the request's
 * tenant yet, the switch (`preamble`) goes out with the first statement, in its round trip
 * (`switchedQuery`); `switched` is told once it has worked. A request that runs no
 * statement sends no switch. A statement the connection runs often goes out under a name
 * it holds, parsed and planned once (`ConnectionStatements`); one whose held plan the
 * server refuses (the table's columns changed under it) runs again unnamed, once.
 */
export class TenantSession implements TenantQueryable {
  /** The round trip carrying the switch, while it is under way: statements behind it wait for its outcome. */
  private switching: Promise<unknown> | undefined;

  constructor(
    private readonly client: PoolClient,
    private preamble: readonly string[] | undefined,
    private readonly switched: () => void,
  ) {}

  async query<R extends QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<QueryResult<R>> {
    while (this.switching) await this.switching.catch(() => undefined);
    const statements = statementsOf(this.client);
    const plan = statements.plan(text);
    try {
      return await this.send<R>(text, values, plan && { plan, settle: (outcome, code) => statements.settle(plan, outcome, code) });
    } catch (error) {
      // only a statement sent under a name the connection held can have its held plan refused
      const code = (error as { code?: string }).code;
      if (!plan || plan.parse || (code !== STALE_PLAN && code !== NO_SUCH_STATEMENT)) throw error;
      return this.send<R>(text, values, undefined);
    }
  }

  private async send<R extends QueryResultRow>(
    text: string,
    values: unknown[] | undefined,
    named: { plan: StatementPlan; settle: (outcome: StatementOutcome, code?: string) => void } | undefined,
  ): Promise<QueryResult<R>> {
    while (this.switching) await this.switching.catch(() => undefined);
    const preamble = this.preamble;
    if (preamble === undefined && named === undefined) return this.client.query<R>(text, values);
    const run = switchedQuery<R>(this.client, preamble ?? [], text, values, named?.plan, named?.settle);
    if (preamble === undefined) return run;
    // until a switch has worked, every statement carries it (a failed one leaves the connection as it was)
    this.switching = run;
    try {
      const result = await run;
      this.preamble = undefined;
      this.switched();
      return result;
    } finally {
      this.switching = undefined;
    }
  }
}
