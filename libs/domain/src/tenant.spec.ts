import { InvalidInput } from './errors';
import { tenantDatabaseName, tenantRoleName, tenantSchemaName, quoteIdent } from './names';
import { tenantIdFromHostname, validateIsolationMode, validateTenantId, validateTenantName } from './tenant';
import { tenantIdFromApiKey } from './api-key';

describe('tenant id', () => {
  it.each(['siqueiracampos', 'acme-2', 'abc', 'a'.repeat(40)])('accepts %j', (id) => expect(validateTenantId(id)).toBe(id));
  it.each(['ab', 'a'.repeat(41), 'Acme', '1abc', 'abc-', 'a_b', 'www', 'kryonix', 'ação', "a'b", 'a;b', undefined, 42])('refuses %j', (id) =>
    expect(() => validateTenantId(id)).toThrow(InvalidInput),
  );
  it('names what is allowed', () => expect(() => validateTenantId('Bad')).toThrow(/3 to 40 characters, lowercase letters a-z, digits and '-'/));
  it('refuses punycode labels ("xn--…", look-alikes of other names) and says why; "xn-" alone and "--" later are fine', () => {
    expect(() => validateTenantId('xn--80ak6aa92e')).toThrow(/may not start with "xn--".*punycode/);
    expect(validateTenantId('xn-a')).toBe('xn-a');
    expect(validateTenantId('acme--x')).toBe('acme--x');
  });
});

describe('tenant id from a host name (TLS server name)', () => {
  it.each([
    ['acme.localhost', 'localhost', 'acme'],
    ['ACME.Kryonix.com.br.', 'kryonix.com.br', 'acme'],
    ['acme-2.kryonix.test', 'kryonix.test', 'acme-2'],
  ])('%j under %j is %j', (host, base, id) => expect(tenantIdFromHostname(host, base)).toBe(id));
  it.each([
    ['localhost', 'localhost'],
    ['acme.other.test', 'kryonix.test'],
    ['a.b.localhost', 'localhost'],
    ['../../etc/passwd.localhost', 'localhost'],
    ['www.localhost', 'localhost'],
    ['xn--80ak6aa92e.localhost', 'localhost'],
    ['ab.localhost', 'localhost'],
    ['acme.localhost.evil', 'localhost'],
    ['', 'localhost'],
  ])('%j under %j is no tenant', (host, base) => expect(tenantIdFromHostname(host, base)).toBeUndefined());
});

describe('tenant name', () => {
  it('trims and counts code points', () => {
    expect(validateTenantName('  Imóveis  ')).toBe('Imóveis');
    expect(validateTenantName('🏠'.repeat(255))).toHaveLength(510);
  });
  it.each(['', '   ', 'x'.repeat(256), 'a\nb', 'a\u0000b', null])('refuses %j', (name) => expect(() => validateTenantName(name)).toThrow(InvalidInput));
});

describe('names', () => {
  it('follows the source naming, with - as _', () => {
    expect(tenantDatabaseName('acme-sa', 'database')).toBe('kryonix_cliente_acme_sa');
    expect(tenantDatabaseName('acme-sa', 'schema')).toBe('kryonix_tenants');
    expect(tenantRoleName('acme-sa')).toBe('cliente_acme_sa_user');
    expect(tenantSchemaName('acme-sa', 'schema', 'crm')).toBe('acme_sa_crm');
    expect(tenantSchemaName('acme-sa', 'database', 'crm')).toBe('crm');
  });
  it('quotes only safe identifiers', () => {
    expect(quoteIdent('acme_crm')).toBe('"acme_crm"');
    expect(() => quoteIdent('a"b')).toThrow();
    expect(() => quoteIdent('x'.repeat(64))).toThrow();
  });
  it('modes', () => {
    expect(validateIsolationMode(undefined)).toBe('database');
    expect(() => validateIsolationMode('cluster')).toThrow(/allowed modes are database, schema/);
  });
  it('reads the tenant from an API key', () => {
    expect(tenantIdFromApiKey('sk_acme-2_0123456789abcdef0123456789abcdef')).toBe('acme-2');
    expect(tenantIdFromApiKey('sk_acme_short')).toBeUndefined();
  });
});
