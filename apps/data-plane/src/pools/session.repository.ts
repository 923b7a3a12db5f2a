import { quoteIdent } from '@kryonix/domain';

/**
 * The statements that make a gateway connection act as one tenant: its role and its
 * schemas, at session level. Names are quoted identifiers. They are sent in the same round
 * trip as the tenant's first statement on that connection (`switchedQuery`), never on their own.
 */
export function actAsStatements(role: string, schemas: readonly string[]): readonly string[] {
  const path = schemas.map(quoteIdent).join(', ');
  return [`SET ROLE ${quoteIdent(role)}`, `SET search_path TO ${path || "''"}`];
}

/** A statement that does nothing but carry a connection's switch to its tenant (a warm-up). */
export async function touch(session: { query(text: string): Promise<unknown> }): Promise<void> {
  await session.query('SELECT 1');
}
