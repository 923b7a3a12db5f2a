import type { Settings } from './settings/settings';

/** statement_timeout, lock_timeout and idle_in_transaction_session_timeout of tenant work (ms; 0 = none). */
export interface SessionTimeouts {
  statementMs: number;
  lockMs: number;
  idleInTransactionMs: number;
}

/** KRYONIX_STATEMENT_TIMEOUT, KRYONIX_LOCK_TIMEOUT and KRYONIX_IDLE_IN_TRANSACTION_TIMEOUT. */
export function sessionTimeouts(settings: Pick<Settings, 'statementTimeoutMs' | 'lockTimeoutMs' | 'idleInTransactionTimeoutMs'>): SessionTimeouts {
  return { statementMs: settings.statementTimeoutMs, lockMs: settings.lockTimeoutMs, idleInTransactionMs: settings.idleInTransactionTimeoutMs };
}

/**
 * The three as PostgreSQL settings, `name=value` (whole milliseconds, checked by the settings
 * schema): what `-c` of a connection's startup packet takes, and how pg_db_role_setting
 * keeps what `ALTER ROLE … SET` set.
 */
export function sessionTimeoutSettings(t: SessionTimeouts): string[] {
  const ms = (n: number) => String(Math.trunc(n));
  return [`statement_timeout=${ms(t.statementMs)}`, `lock_timeout=${ms(t.lockMs)}`, `idle_in_transaction_session_timeout=${ms(t.idleInTransactionMs)}`];
}
