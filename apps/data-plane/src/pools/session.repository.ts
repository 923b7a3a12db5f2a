import { quoteIdent } from '@kryonix/domain';

/**
 * The search path of every data-plane connection, set once in its startup packet and never
 * changed: only PostgreSQL's own catalog, never a tenant's schema. Every data-plane statement
 * names its schema (`TableRepository.qualified`), so a tenant's switch needs no search path;
 * and a statement that named none would find no tenant's table at all, not the last tenant's.
 */
export const GATEWAY_SEARCH_PATH = 'pg_catalog';

/**
 * The statement that makes a gateway connection act as one tenant: its role, at session
 * level (the name a quoted identifier). It is sent in the same round trip as the tenant's
 * first statement on that connection (`switchedQuery`), never on its own.
 */
export function actAsStatements(role: string): readonly string[] {
  return [`SET ROLE ${quoteIdent(role)}`];
}

/** A statement that does nothing but carry a connection's switch to its tenant (a warm-up). */
export async function touch(session: { query(text: string): Promise<unknown> }): Promise<void> {
  await session.query('SELECT 1');
}
