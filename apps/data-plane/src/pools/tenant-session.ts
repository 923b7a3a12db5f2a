import type { PoolClient, QueryResult, QueryResultRow } from 'pg';
import { switchedQuery } from './switched-query';

/** What a request's statements run on: a connection acting as the tenant. */
export interface TenantQueryable {
  query<R extends QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

/**
 * One request's use of a connection. When the connection does not carry the request's
 * tenant yet, the switch (`preamble`) goes out with the first statement, in its round trip
 * (`switchedQuery`); `switched` is told once it has worked. A request that runs no
 * statement sends no switch.
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
    const preamble = this.preamble;
    if (preamble === undefined) return this.client.query<R>(text, values);
    // until a switch has worked, every statement carries it (a failed one leaves the connection as it was)
    const run = switchedQuery<R>(this.client, preamble, text, values);
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
