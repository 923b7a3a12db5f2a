import { fromServerFault, isServerAway } from './server-faults';

/**
 * Typed domain errors. Every error carries a stable code; the CLI maps codes to
 * exit codes and the HTTP layer maps them to statuses, each in one place.
 */
export type ErrorCode =
  | 'INVALID_INPUT'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNKNOWN_MODULE'
  | 'TENANT_EXISTS'
  | 'TENANT_BUSY'
  | 'TENANT_NOT_FOUND'
  | 'JOB_NOT_FOUND'
  | 'TENANT_STATE'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'TENANT_SUSPENDED'
  | 'MODULE_NOT_AVAILABLE'
  | 'NOT_FOUND'
  | 'ROW_CONFLICT'
  | 'UNPROCESSABLE'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'QUERY_TIMEOUT'
  | 'LOCK_TIMEOUT'
  | 'MIGRATION_CHANGED'
  | 'PROVISIONING_FAILED'
  | 'CONFIGURATION'
  | 'ALREADY_RUNNING'
  | 'SERVER_NOT_FOUND'
  | 'SERVER_EXISTS'
  | 'SERVER_UNFIT'
  | 'SERVER_IN_USE'
  | 'TENANT_MOVING'
  | 'MOVE_FAILED'
  | 'BACKUP_UNREADABLE'
  | 'BACKUP_NOT_FOUND'
  | 'PAYLOAD_TOO_LARGE'
  | 'NAME_TAKEN'
  | 'INTERNAL';

const BRAND = Symbol.for('kryonix.error');

export class KryonixError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * `error instanceof KryonixError` also holds for an error made by another copy of this
   * class: the CLI's in-process core is a bundle of its own (dist/cli-core.js) whose errors
   * reach the CLI's error printer (dist/cli.js). Subclasses keep the ordinary check.
   */
  static override [Symbol.hasInstance](this: abstract new (...args: never[]) => unknown, value: unknown): boolean {
    if (this === KryonixError) return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
}

export class InvalidInput extends KryonixError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('INVALID_INPUT', message, details);
  }
}

/** A body in a format the server does not read (only JSON is). */
export class UnsupportedMediaType extends KryonixError {
  constructor(message: string) {
    super('UNSUPPORTED_MEDIA_TYPE', message);
  }
}

export class UnknownModule extends KryonixError {
  constructor(unknown: readonly string[], known: readonly string[]) {
    super(
      'UNKNOWN_MODULE',
      `Unknown module${unknown.length > 1 ? 's' : ''} ${unknown.map((m) => JSON.stringify(m)).join(', ')}; known modules are: ${known.join(', ')}.`,
      { unknown, known },
    );
  }
}

export class TenantAlreadyExists extends KryonixError {
  constructor(id: string, hint = '') {
    super('TENANT_EXISTS', `Tenant "${id}" already exists.${hint ? ` ${hint}` : ''}`, { id });
  }
}

/** A first create found its database or schemas already there, made by something else: refused, never adopted or dropped. */
export class StorageTaken extends KryonixError {
  constructor(message: string) {
    super('TENANT_EXISTS', message);
  }
}

export class TenantBusy extends KryonixError {
  constructor(id: string) {
    super('TENANT_BUSY', `Tenant "${id}" is being provisioned by another process; try again when it has finished.`, { id });
  }
}

export class TenantNotFound extends KryonixError {
  constructor(id: string, message = `Tenant "${id}" does not exist.`) {
    super('TENANT_NOT_FOUND', message, { id });
  }
}

/** The operation does not apply to the tenant in its current status (e.g. rotating the key of a deleted tenant). */
export class TenantStateConflict extends KryonixError {
  constructor(id: string, status: string, operation: string) {
    super('TENANT_STATE', `Tenant "${id}" is ${status}; cannot ${operation}.`, { id, status });
  }
}

export class Unauthorized extends KryonixError {
  constructor(message = 'Missing or invalid operator token (Authorization: Bearer <token>).') {
    super('UNAUTHORIZED', message);
  }
}

export class ProvisioningFailed extends KryonixError {
  constructor(
    readonly tenantId: string,
    readonly step: string,
    override readonly cause: unknown,
    readonly rolledBack: boolean,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      // cut short by a database server that went away: a 503 (retry later), not a fault of ours
      isServerAway(cause) ? 'UNAVAILABLE' : 'PROVISIONING_FAILED',
      `Provisioning of tenant "${tenantId}" failed at step "${step}": ${reason}${rolledBack ? ' (everything it had done was undone)' : ''}.`,
      { id: tenantId, step, rolledBack },
    );
  }
}

export class ConfigurationError extends KryonixError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('CONFIGURATION', message, details);
  }
}

/** What was asked for is already running in another process (named in the message); nothing was changed. */
export class AlreadyRunning extends KryonixError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('ALREADY_RUNNING', message, details);
  }
}

export class JobNotFound extends KryonixError {
  constructor(id: string) {
    super('JOB_NOT_FOUND', `Job "${id}" does not exist.`, { id });
  }
}

/** A credential that is valid but for something else (e.g. another tenant's API key). */
export class Forbidden extends KryonixError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

export class TenantSuspended extends KryonixError {
  constructor(message: string) {
    super('TENANT_SUSPENDED', message);
  }
}

export class ModuleNotAvailable extends KryonixError {
  constructor(module: string, tenantId: string) {
    super('MODULE_NOT_AVAILABLE', `Module "${module}" is not available to tenant "${tenantId}".`, { module });
  }
}

/** Something addressed by a tenant app (a row, a table) is not there. */
export class NotFound extends KryonixError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class RowConflict extends KryonixError {
  constructor(message: string) {
    super('ROW_CONFLICT', message);
  }
}

export class Unprocessable extends KryonixError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('UNPROCESSABLE', message, details);
  }
}

export class RateLimited extends KryonixError {
  constructor(message: string, retryAfterSeconds: number) {
    super('RATE_LIMITED', message, { retryAfterSeconds });
  }
}

/** A dependency (connections, a server) is not available now; retrying later can succeed. */
export class Unavailable extends KryonixError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('UNAVAILABLE', message, details);
  }
}

/** A statement ran longer than KRYONIX_STATEMENT_TIMEOUT and was cancelled (the connection is fine). */
export class QueryTimeout extends KryonixError {
  constructor(message = 'The query took longer than the statement timeout and was cancelled; narrow it (filters, limit) or try again.') {
    super('QUERY_TIMEOUT', message);
  }
}

/** A statement waited longer than KRYONIX_LOCK_TIMEOUT for a lock someone else holds. */
export class LockTimeout extends KryonixError {
  constructor(message = 'The row or table is locked by another session for longer than the lock timeout; try again.') {
    super('LOCK_TIMEOUT', message, { retryAfterSeconds: 1 });
  }
}

export class MigrationChanged extends KryonixError {
  constructor(message: string, files: readonly string[]) {
    super('MIGRATION_CHANGED', message, { files });
  }

  /**
   * The one wording of the refusal, for `migrate` and `tenant create` alike: `refusing`
   * ("Refusing to migrate"), then each changed file with (some of) the tenants it was applied to.
   */
  static of(refusing: string, problems: ReadonlyMap<string, readonly string[]>): MigrationChanged {
    const lines = [...problems].map(([file, tenants]) => {
      const list = [...tenants].sort();
      return `${file} (applied to ${list.length > 10 ? 'more than 10' : list.length} tenant${list.length > 1 ? 's' : ''}: ${list.slice(0, 10).join(', ')}${list.length > 10 ? ', …' : ''})`;
    });
    return new MigrationChanged(
      `${refusing}: ${problems.size === 1 ? 'a migration file was' : 'migration files were'} changed after being applied — ${lines.join('; ')}. Restore the file and put the change in a new migration.`,
      [...problems.keys()],
    );
  }
}

export class ServerNotFound extends KryonixError {
  constructor(name: string) {
    super('SERVER_NOT_FOUND', `Server "${name}" is not registered (see \`kryonix server list\`).`, { server: name });
  }
}

export class ServerExists extends KryonixError {
  constructor(name: string, message = `Server "${name}" is already registered.`) {
    super('SERVER_EXISTS', message, { server: name });
  }
}

/** A server that cannot take what was asked of it (a check failed: its settings, its rights); the message says what to set. */
export class ServerUnfit extends KryonixError {
  constructor(name: string, message: string, details: Record<string, unknown> = {}) {
    super('SERVER_UNFIT', message, { server: name, ...details });
  }
}

/** The server still holds tenants (or moves, or kept copies): refused, nothing changed. */
export class ServerInUse extends KryonixError {
  constructor(name: string, message: string) {
    super('SERVER_IN_USE', message, { server: name });
  }
}

/**
 * A name `restore --replace` makes beside the tenant (its incoming copy, or what the replaced
 * copy is renamed to) already exists on the tenant's server: refused, nothing made, the tenant as it was.
 */
export class ReplaceNameTaken extends KryonixError {
  constructor(id: string, taken: readonly string[]) {
    super(
      'NAME_TAKEN',
      `Cannot replace tenant "${id}": ${taken.join(', ')} already ${taken.length === 1 ? 'exists' : 'exist'} on its server, and a replace makes ${taken.length === 1 ? 'that name' : 'those names'} for its copies; nothing was changed. Run the replace again (it picks new names), or drop ${taken.length === 1 ? 'it' : 'them'} if ${taken.length === 1 ? 'it is' : 'they are'} a leftover no one needs.`,
      { id, taken: [...taken] },
    );
  }
}

/** The tenant is being moved to another server: changes of its schemas, role or status wait until the move is over. */
export class TenantMoving extends KryonixError {
  constructor(id: string, move: { id: string; target: string }, operation: string) {
    super(
      'TENANT_MOVING',
      `Tenant "${id}" is being moved to server "${move.target}" (move ${move.id}); cannot ${operation} until the move is over. If its process died, \`kryonix tenant repair ${id}\` finishes or rolls it back.`,
      { id, move: move.id, target: move.target },
    );
  }
}

/** A move that could not be completed; the message says where the tenant is served from now. */
export class MoveFailed extends KryonixError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('MOVE_FAILED', message, details);
  }
}

/** Why a backup file cannot be restored. */
export type BackupProblem = 'format' | 'wrong_key' | 'damaged' | 'truncated' | 'mismatch';

/**
 * A backup that cannot be restored as it is: not a Kryonix backup, another key or
 * passphrase, a damaged or cut-off file, or data that does not match its manifest.
 * Nothing is left behind by the restore that found it.
 */
export class BackupUnreadable extends KryonixError {
  constructor(
    readonly problem: BackupProblem,
    message: string,
  ) {
    super('BACKUP_UNREADABLE', message, { problem });
  }
}

/** No backup with this id in KRYONIX_BACKUP_DIR. */
export class BackupNotFound extends KryonixError {
  constructor(id: string) {
    super('BACKUP_NOT_FOUND', `No backup "${id}" in the backup folder (KRYONIX_BACKUP_DIR); see \`kryonix backup list\` or GET /v1/backups.`, { id });
  }
}

/** A request body over a configured limit (an upload larger than KRYONIX_BACKUP_UPLOAD_MAX). */
export class PayloadTooLarge extends KryonixError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('PAYLOAD_TOO_LARGE', message, details);
  }
}

export class InternalError extends KryonixError {
  constructor(message: string) {
    super('INTERNAL', message);
  }
}

/** The code of any error: a domain error's own, a database fault's (see fromServerFault), INTERNAL for everything else. */
export function describeError(error: unknown): { code: ErrorCode; message: string } {
  error = fromServerFault(error);
  if (error instanceof KryonixError) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

/** How each door reports a code: the HTTP status and the CLI exit code. */
export interface ErrorMapping {
  readonly http: number;
  /** 0 success, 2 invalid input or configuration, 3 conflict, 1 anything else. */
  readonly exit: 1 | 2 | 3;
}

/**
 * The one table from error codes to HTTP statuses and CLI exit codes. Typed as a
 * Record over ErrorCode: a code added without its row fails the type-check.
 */
export const ERROR_MAPPINGS: Readonly<Record<ErrorCode, ErrorMapping>> = {
  INVALID_INPUT: { http: 400, exit: 2 },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, exit: 2 },
  UNKNOWN_MODULE: { http: 400, exit: 2 },
  TENANT_EXISTS: { http: 409, exit: 3 },
  TENANT_BUSY: { http: 423, exit: 3 },
  TENANT_NOT_FOUND: { http: 404, exit: 1 },
  JOB_NOT_FOUND: { http: 404, exit: 1 },
  TENANT_STATE: { http: 409, exit: 3 },
  UNAUTHORIZED: { http: 401, exit: 1 },
  FORBIDDEN: { http: 403, exit: 1 },
  TENANT_SUSPENDED: { http: 403, exit: 1 },
  MODULE_NOT_AVAILABLE: { http: 404, exit: 1 },
  NOT_FOUND: { http: 404, exit: 1 },
  ROW_CONFLICT: { http: 409, exit: 1 },
  UNPROCESSABLE: { http: 422, exit: 1 },
  RATE_LIMITED: { http: 429, exit: 1 },
  UNAVAILABLE: { http: 503, exit: 1 },
  // A statement cancelled by KRYONIX_STATEMENT_TIMEOUT: the request asked too much at once.
  QUERY_TIMEOUT: { http: 504, exit: 1 },
  // A statement cancelled by KRYONIX_LOCK_TIMEOUT: someone else holds the lock; retrying can succeed.
  LOCK_TIMEOUT: { http: 503, exit: 1 },
  // An applied migration file was edited: the fleet's state conflicts with the files.
  MIGRATION_CHANGED: { http: 409, exit: 1 },
  PROVISIONING_FAILED: { http: 500, exit: 1 },
  // The server's own settings are wrong: nothing the client can fix, and nothing it caused.
  CONFIGURATION: { http: 503, exit: 2 },
  // Another process already does this (a second `kryonix up` on one KRYONIX_HOME): a conflict, nothing changed.
  ALREADY_RUNNING: { http: 409, exit: 3 },
  SERVER_NOT_FOUND: { http: 404, exit: 1 },
  SERVER_EXISTS: { http: 409, exit: 3 },
  // The server's own settings or rights do not allow it (wal_level, CREATEROLE, …): the operator fixes the server.
  SERVER_UNFIT: { http: 422, exit: 2 },
  SERVER_IN_USE: { http: 409, exit: 3 },
  // A move is under way: a conflict with the tenant's state, retried by a durable job.
  TENANT_MOVING: { http: 409, exit: 3 },
  // A move gave up (writes never paused long enough, a copy that does not match): nothing the request can fix.
  MOVE_FAILED: { http: 409, exit: 1 },
  // The backup given cannot be used (other key, damaged, not a backup): the request's content is the problem.
  BACKUP_UNREADABLE: { http: 422, exit: 2 },
  BACKUP_NOT_FOUND: { http: 404, exit: 1 },
  PAYLOAD_TOO_LARGE: { http: 413, exit: 2 },
  // A name Kryonix would make on a server is already there (a leftover, someone else's object): nothing was made.
  NAME_TAKEN: { http: 409, exit: 3 },
  INTERNAL: { http: 500, exit: 1 },
};

/** Whether a string is one of the codes (e.g. one read from a control plane's answer). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_MAPPINGS, code);
}

/** CLI exit code of an error: from ERROR_MAPPINGS (database faults included); 1 for anything else. */
export function exitCodeFor(error: unknown): number {
  error = fromServerFault(error);
  return error instanceof KryonixError ? ERROR_MAPPINGS[error.code].exit : 1;
}

/** HTTP status of an error: from ERROR_MAPPINGS (database faults included); 500 for anything else. */
export function httpStatusFor(error: unknown): number {
  error = fromServerFault(error);
  return error instanceof KryonixError ? ERROR_MAPPINGS[error.code].http : 500;
}
