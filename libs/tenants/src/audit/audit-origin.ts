import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuditDoor } from '@kryonix/registry';

/** Who is acting and through which door; set by the door around the commands it runs. */
export interface AuditOrigin {
  actor: string;
  door: AuditDoor;
  details?: Record<string, unknown>;
}

/** One call through a door: its origin and the audit rows its commands wrote. */
export interface AuditScope {
  origin: AuditOrigin;
  rows: string[];
}

const scopes = new AsyncLocalStorage<AuditScope>();

/** Runs `fn` with `origin` as the origin of every audited command it executes (also across awaits). */
export function withAuditOrigin<R>(origin: AuditOrigin, fn: (scope: AuditScope) => R): R {
  const scope: AuditScope = { origin, rows: [] };
  return scopes.run(scope, () => fn(scope));
}

/** The scope of the call being served, if a door set one (internal work such as job runs has none). */
export function currentAuditScope(): AuditScope | undefined {
  return scopes.getStore();
}
