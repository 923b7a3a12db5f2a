import { IsolationMode } from './tenant';

/**
 * The PostgreSQL names of a tenant's objects. Tenant ids are validated against
 * TENANT_ID_PATTERN before they get here, so '-' is the only character that is
 * not a valid unquoted identifier character; it becomes '_'. Every name is
 * still quoted wherever it reaches SQL.
 */
export const SHARED_TENANTS_DATABASE = 'kryonix_tenants';

/**
 * The data plane's login role: a NOINHERIT member of every tenant role, so it
 * holds no tenant privilege itself and must SET ROLE to act as one tenant.
 */
export const GATEWAY_ROLE = 'kryonix_gateway';

/** Redis channel of tenant events: data planes subscribe to drop cached routes, keys and statuses. */
export const TENANT_EVENTS_CHANNEL = 'kryonix:tenants';
/** The same events on PostgreSQL's LISTEN/NOTIFY (control database): the default channel, Redis or not. */
export const TENANT_EVENTS_PG_CHANNEL = 'kryonix_tenants';

/** The event types of a move's cut-over, as data planes read them off the channel: hold the tenant's requests, then let them go. */
export const TENANT_MOVE_EVENTS = { moving: 'TenantMoving', moved: 'TenantMoved', abandoned: 'TenantMoveAbandoned' } as const;

export function identifierPart(tenantId: string): string {
  return tenantId.replace(/-/g, '_');
}

export function tenantDatabaseName(tenantId: string, mode: IsolationMode): string {
  return mode === 'database' ? `kryonix_cliente_${identifierPart(tenantId)}` : SHARED_TENANTS_DATABASE;
}

export function tenantRoleName(tenantId: string): string {
  return `cliente_${identifierPart(tenantId)}_user`;
}

export function tenantSchemaName(tenantId: string, mode: IsolationMode, module: string): string {
  return mode === 'database' ? module : `${identifierPart(tenantId)}_${module}`;
}

/** PostgreSQL truncates identifiers longer than 63 bytes; refuse instead of colliding. */
export const MAX_IDENTIFIER_BYTES = 63;
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export function assertSafeIdentifier(name: string): string {
  if (!IDENTIFIER.test(name) || Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES) {
    throw new Error(`Refusing unsafe SQL identifier ${JSON.stringify(name)}`);
  }
  return name;
}

/** Double-quotes an identifier after checking it; the only way names enter SQL text. */
export function quoteIdent(name: string): string {
  return `"${assertSafeIdentifier(name)}"`;
}
