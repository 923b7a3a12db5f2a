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
  | 'PROVISIONING_FAILED'
  | 'CONFIGURATION'
  | 'INTERNAL';

export class KryonixError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
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

/** CLI exit codes: 0 success, 2 invalid input, 3 conflict, 1 anything else. */
export function exitCodeFor(error: unknown): number {
  if (!(error instanceof KryonixError)) return 1;
  switch (error.code) {
    case 'INVALID_INPUT':
    case 'UNKNOWN_MODULE':
      return 2;
    case 'TENANT_EXISTS':
    case 'TENANT_BUSY':
      return 3;
    default:
      return 1;
  }
}
