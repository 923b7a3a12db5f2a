/**
 * Typed domain errors. Every error carries a stable code; the CLI maps codes to
 * exit codes and the HTTP layer maps them to statuses, each in one place.
 */
export type ErrorCode =
  | 'INVALID_INPUT'
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
  | 'MIGRATION_CHANGED'
  | 'PROVISIONING_FAILED'
  | 'CONFIGURATION'
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
  constructor(id: string) {
    super('TENANT_EXISTS', `Tenant "${id}" already exists.`, { id });
  }
}

export class TenantBusy extends KryonixError {
  constructor(id: string) {
    super('TENANT_BUSY', `Tenant "${id}" is being provisioned by another process; try again when it has finished.`, { id });
  }
}

export class TenantNotFound extends KryonixError {
  constructor(id: string) {
    super('TENANT_NOT_FOUND', `Tenant "${id}" does not exist.`, { id });
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
      'PROVISIONING_FAILED',
      `Provisioning of tenant "${tenantId}" failed at step "${step}": ${reason}${rolledBack ? ' (everything it had done was undone)' : ''}.`,
      { id: tenantId, step, rolledBack },
    );
  }
}

export class ConfigurationError extends KryonixError {
  constructor(message: string) {
    super('CONFIGURATION', message);
  }
}

/** The code of any error: a domain error's own, INTERNAL for everything else. */
export function describeError(error: unknown): { code: ErrorCode; message: string } {
  if (error instanceof KryonixError) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

/** CLI exit codes: 0 success, 2 invalid input, 3 conflict, 1 anything else. */
export function exitCodeFor(error: unknown): number {
  if (!(error instanceof KryonixError)) return 1;
  switch (error.code) {
    case 'INVALID_INPUT':
    case 'UNKNOWN_MODULE':
      return 2;
    case 'TENANT_EXISTS':
    case 'TENANT_BUSY':
    case 'TENANT_STATE':
      return 3;
    default:
      return 1;
  }
}

/** HTTP statuses of the error codes: the one mapping every HTTP door uses. */
export function httpStatusFor(error: unknown): number {
  if (!(error instanceof KryonixError)) return 500;
  switch (error.code) {
    case 'INVALID_INPUT':
    case 'UNKNOWN_MODULE':
      return 400;
    case 'UNAUTHORIZED':
      return 401;
    case 'FORBIDDEN':
    case 'TENANT_SUSPENDED':
      return 403;
    case 'TENANT_NOT_FOUND':
    case 'JOB_NOT_FOUND':
    case 'MODULE_NOT_AVAILABLE':
    case 'NOT_FOUND':
      return 404;
    case 'ROW_CONFLICT':
      return 409;
    case 'UNPROCESSABLE':
      return 422;
    case 'RATE_LIMITED':
      return 429;
    case 'UNAVAILABLE':
      return 503;
    case 'TENANT_EXISTS':
    case 'TENANT_STATE':
      return 409;
    case 'TENANT_BUSY':
      return 423;
    default:
      return 500;
  }
}
