import { InvalidInput } from './errors';

export type IsolationMode = 'database' | 'schema';
export const ISOLATION_MODES: readonly IsolationMode[] = ['database', 'schema'];

export type TenantStatus = 'provisioning' | 'active' | 'suspended' | 'deleting';

export const TENANT_ID_PATTERN = /^[a-z][a-z0-9-]{1,38}[a-z0-9]$/;

/** Subdomains and names that must never become a tenant. */
export const RESERVED_TENANT_IDS: ReadonlySet<string> = new Set([
  'www', 'api', 'admin', 'app', 'mail', 'kryonix', 'smtp', 'imap', 'pop', 'ftp', 'ns1', 'ns2',
  'dns', 'cdn', 'static', 'assets', 'status', 'docs', 'help', 'support', 'blog', 'dashboard',
  'console', 'auth', 'login', 'sso', 'metrics', 'grafana', 'prometheus', 'postgres', 'root',
  'public', 'template', 'template0', 'template1', 'system', 'internal', 'control', 'data',
]);

export function validateTenantId(value: unknown): string {
  if (typeof value !== 'string' || !TENANT_ID_PATTERN.test(value)) {
    throw new InvalidInput(
      `Invalid tenant id ${describe(value)}: use 3 to 40 characters, lowercase letters a-z, digits and '-', starting with a letter and not ending with '-' (pattern ${TENANT_ID_PATTERN.source}).`,
      { field: 'id' },
    );
  }
  // "xn--" starts an internationalised (punycode) DNS label: <id>.<domain> could then show
  // in a browser as a look-alike of another name
  if (value.startsWith('xn--')) {
    throw new InvalidInput(`Invalid tenant id "${value}": ids may not start with "xn--" (the prefix of punycode names, which browsers show as other characters).`, { field: 'id' });
  }
  if (RESERVED_TENANT_IDS.has(value)) {
    throw new InvalidInput(`Tenant id "${value}" is reserved; choose another (reserved: ${[...RESERVED_TENANT_IDS].join(', ')}).`, {
      field: 'id',
    });
  }
  return value;
}

/**
 * The tenant a TLS server name (SNI) or host name stands for: `acme.kryonix.com.br` → `acme`
 * with base domain `kryonix.com.br`; undefined for anything that could not be a tenant id
 * (another domain, the base domain itself, a deeper name, a reserved or punycode label).
 * Case and one trailing dot are ignored. Safe to build a file name from.
 */
export function tenantIdFromHostname(hostname: string, baseDomain: string): string | undefined {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  const suffix = `.${baseDomain}`;
  if (!name.endsWith(suffix)) return undefined;
  const label = name.slice(0, -suffix.length);
  try {
    return validateTenantId(label);
  } catch {
    return undefined;
  }
}

export function validateTenantName(value: unknown): string {
  if (typeof value !== 'string') throw new InvalidInput('Tenant name is required (1 to 255 characters).', { field: 'name' });
  const name = value.trim();
  // Count code points, not UTF-16 units, so "Imóveis" and emoji count as people expect.
  const length = [...name].length;
  if (length < 1 || length > 255) {
    throw new InvalidInput(`Invalid tenant name: it must be 1 to 255 characters long (got ${length}).`, { field: 'name' });
  }
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    throw new InvalidInput('Invalid tenant name: control characters (newlines, tabs, NUL) are not allowed.', { field: 'name' });
  }
  return name;
}

export function validateIsolationMode(value: unknown): IsolationMode {
  if (value === undefined || value === null || value === '') return 'database';
  if (typeof value === 'string' && (ISOLATION_MODES as readonly string[]).includes(value)) return value as IsolationMode;
  throw new InvalidInput(`Invalid mode ${describe(value)}: allowed modes are ${ISOLATION_MODES.join(', ')}.`, { field: 'mode' });
}

function describe(value: unknown): string {
  if (typeof value !== 'string') return `(${value === undefined ? 'missing' : typeof value})`;
  const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  return JSON.stringify(shown);
}
