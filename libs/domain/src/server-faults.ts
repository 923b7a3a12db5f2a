import { KryonixError, LockTimeout, QueryTimeout, Unavailable } from './errors';

/**
 * Error codes of a server or connection that is away, whatever the cause: refused,
 * reset or timed-out sockets; a backend terminated by a restart or by
 * pg_terminate_backend (57P01/57P02); a server starting or shutting down (57P03);
 * no free connection slot (53300); SQLSTATE class 08 (connection exception).
 */
const AWAY_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  '57P01',
  '57P02',
  '57P03',
  '57P05',
  '53300',
  '25P03',
]);

/**
 * A database that will not take connections now, whatever its server is doing: closed to
 * connections (ALLOW_CONNECTIONS false, 55000), CONNECT revoked (42501 at login), gone (3D000).
 */
const REFUSED_DATABASE = /not currently accepting connections|^permission denied for database|^database ".*" does not exist/;

/**
 * Whether the error is one database refusing connections (REFUSED_DATABASE): a 503 for the
 * request, but not an outage of the server (a job failing on it is not given its attempt back).
 */
function refusesConnections(error: object): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (code === '55000' || code === '42501' || code === '3D000') && typeof message === 'string' && REFUSED_DATABASE.test(message);
}

/** node-postgres reports a dropped or never-made connection with these messages (and no code). */
const AWAY_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|Query read timeout|Connection ended)/i;

/** Whether an error means the database server (or the way to it) is away, not that the request was wrong. */
export function isServerAway(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  // a domain error that wraps one (a provisioning step cut short by an outage)
  if (error instanceof KryonixError) return error.code === 'UNAVAILABLE' || isServerAway((error as { cause?: unknown }).cause);
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (AWAY_CODES.has(code) || code.startsWith('08'))) return true;
  if (typeof message === 'string' && AWAY_MESSAGES.test(message)) return true;
  // AggregateError of a connect that tried every address of a host name
  const errors = (error as { errors?: unknown }).errors;
  return Array.isArray(errors) && errors.length > 0 && errors.every(isServerAway);
}

/** Why a first connection to a server failed: its credentials refused, or the server away; and a short reason to show. */
export interface ConnectFault {
  credentials: boolean;
  away: boolean;
  /** The network code (ECONNREFUSED, …), else the first line of the server's message; never the URL. */
  reason: string;
}

/** What a failed first connection means (the one reading for every door that opens one: settings, `server add`, a move's checks). */
export function connectFault(error: unknown): ConnectFault {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return {
    credentials: code === '28P01' || code === '28000',
    away: isServerAway(error),
    reason: typeof code === 'string' && !/^\d/.test(code) ? code : (message.split('\n')[0] ?? message),
  };
}

/**
 * The domain error a database fault stands for, or the error itself when it is none:
 * a server away → UNAVAILABLE (503, Retry-After 1 s, exit 1); a statement cancelled by
 * the statement timeout → QUERY_TIMEOUT (504); by the lock timeout → LOCK_TIMEOUT (503).
 * Applied once where errors leave a process (the HTTP filter, the CLI's printer, the job
 * runner), so no door ever answers 500 for a server that is away.
 */
export function fromServerFault(error: unknown): unknown {
  if (error instanceof KryonixError || typeof error !== 'object' || error === null) return error;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code === '57014' && typeof message === 'string' && /statement timeout/i.test(message)) return new QueryTimeout();
  if (code === '55P03' && typeof message === 'string' && /lock timeout/i.test(message)) return new LockTimeout();
  if (isServerAway(error) || refusesConnections(error)) return new Unavailable('The database server cannot be reached right now; try again shortly.', { retryAfterSeconds: 1 });
  return error;
}
