import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KryonixError } from '@kryonix/domain';
import { projectPath } from '../project-root';
import { tenantUrl } from '../public-url';
import { SETTINGS, SETTINGS_TABLE_MARKERS, SettingSpec, coreSettingNames, loadSettings, settingsTable } from './index';

const specs = Object.values(SETTINGS as Record<string, SettingSpec<unknown>>);

function failure(fn: () => unknown): KryonixError {
  try {
    fn();
  } catch (error) {
    if (error instanceof KryonixError) return error;
    throw error;
  }
  throw new Error('expected a configuration error');
}

describe('the one schema of settings', () => {
  it('defaults when nothing is set', () => {
    const s = loadSettings({}, 'data-plane', '/srv/app');
    expect(s.home).toBe('/srv/app/.kryonix');
    expect(s.outputDir).toBe('/srv/app/.kryonix/generated');
    expect(s.maxConnections).toBeUndefined(); // follows each server's max_connections
    expect(s.reservedConnections).toBe(20);
    expect(s.dataPlanes).toBe(1);
    expect(s.deleteGraceMs).toBe(7 * 24 * 3600 * 1000);
    expect(s.storageQuotaBytes).toBe(5 * 1024 ** 3);
    expect(s.databaseUrl).toBeUndefined();
  });

  it('parses typed values', () => {
    const s = loadSettings({ KRYONIX_MAX_CONNECTIONS: '40', KRYONIX_DELETE_GRACE: '12h', KRYONIX_TENANT_STORAGE_QUOTA: '500MB', KRYONIX_HOME: 'state', KRYONIX_LOG_LEVEL: 'warn' }, 'data-plane', '/srv/app');
    expect(s.maxConnections).toBe(40);
    expect(s.deleteGraceMs).toBe(12 * 3600 * 1000);
    expect(s.storageQuotaBytes).toBe(500 * 1024 ** 2);
    expect(s.home).toBe('/srv/app/state');
    expect(s.outputDir).toBe('/srv/app/state/generated');
    expect(s.logLevel).toBe('warn');
  });

  it('parses the metrics listener and the trusted proxies', () => {
    const s = loadSettings({ KRYONIX_DATA_METRICS_PORT: '0', KRYONIX_TRUSTED_PROXIES: ' 10.0.0.0/8, 192.168.1.5,fd00::/08 ' }, 'data-plane');
    expect(s.dataMetricsPort).toBe(0);
    expect(s.dataMetricsHost).toBe('127.0.0.1');
    expect(s.trustedProxies).toEqual(['10.0.0.0/8', '192.168.1.5', 'fd00::/8']);
    expect(s.authFailureLimit).toBe(10);
    expect(loadSettings({}, 'data-plane')).toMatchObject({ dataMetricsPort: 9464, trustedProxies: [] });
  });

  it.each([
    ['KRYONIX_MAX_CONNECTIONS', 'abc', 'data-plane', 'KRYONIX_MAX_CONNECTIONS must be a whole number from 2 to 100000, or unset to follow each server\'s max_connections; got "abc".'],
    ['KRYONIX_DATA_PORT', '70000', 'data-plane', 'KRYONIX_DATA_PORT must be a port number (1-65535); got "70000".'],
    ['KRYONIX_DATA_METRICS_PORT', '65536', 'up', 'KRYONIX_DATA_METRICS_PORT must be a port number (1-65535), or 0 for any free port; got "65536".'],
    ['KRYONIX_TRUSTED_PROXIES', '10.0.0.0/33', 'control-plane', 'KRYONIX_TRUSTED_PROXIES must be a comma-separated list of IP addresses or CIDR ranges such as "10.0.0.0/8,192.168.1.5"; got "10.0.0.0/33".'],
    ['KRYONIX_TRUSTED_PROXIES', 'proxy.local', 'data-plane', 'KRYONIX_TRUSTED_PROXIES must be a comma-separated list of IP addresses or CIDR ranges such as "10.0.0.0/8,192.168.1.5"; got "proxy.local".'],
    ['KRYONIX_AUTH_FAILURE_LIMIT', '0', 'control-plane', 'KRYONIX_AUTH_FAILURE_LIMIT must be a whole number from 1 to 1000000; got "0".'],
    ['KRYONIX_EMBEDDED_PORT', 'x', 'cli', 'KRYONIX_EMBEDDED_PORT must be a port number (1-65535); got "x".'],
    ['KRYONIX_DELETE_GRACE', 'soon', 'cli', 'KRYONIX_DELETE_GRACE must be a duration such as "7d", "12h", "30m" or a number of seconds; got "soon".'],
    ['KRYONIX_LOG_LEVEL', 'loud', 'control-plane', 'KRYONIX_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "loud".'],
    ['KRYONIX_REGISTRY_DATABASE', 'Bad-Name', 'cli', 'KRYONIX_REGISTRY_DATABASE must be a lowercase identifier such as "kryonix_core"; got "Bad-Name".'],
    ['KRYONIX_WARM_DATABASES', '-1', 'control-plane', 'KRYONIX_WARM_DATABASES must be a whole number from 0 to 20; got "-1".'],
    ['KRYONIX_STATEMENT_TIMEOUT', '30d', 'data-plane', `KRYONIX_STATEMENT_TIMEOUT must be a duration of at most 24 days (PostgreSQL's limit: 2147483647 ms); got "30d".`],
    ['KRYONIX_FAILPOINTS', 'grant_access=explode', 'cli', 'KRYONIX_FAILPOINTS must be a list such as "create_database=fail,write_files=hang" (<step>=fail|hang|pause); got "grant_access=explode".'],
  ] as const)('%s=%s stops the %s with one line naming variable, value and what is allowed', (name, value, process, message) => {
    const error = failure(() => loadSettings({ [name]: value }, process));
    expect(error.code).toBe('CONFIGURATION');
    expect(error.message).toBe(message);
    expect(error.message).not.toContain('\n');
  });

  it('never echoes a secret it refuses', () => {
    const secretValue = 'mysql://admin:hunter2-very-secret@db/x';
    const error = failure(() => loadSettings({ KRYONIX_DATABASE_URL: secretValue }, 'cli'));
    expect(error.message).toContain('KRYONIX_DATABASE_URL must be a URL starting with postgres:// or postgresql://');
    expect(error.message).not.toContain('hunter2');
    const key = failure(() => loadSettings({ KRYONIX_MASTER_KEY: 'not-32-bytes-secret' }, 'cli'));
    expect(key.message).toBe('KRYONIX_MASTER_KEY must be 32 bytes as 64 hex characters or base64; got a value that is not valid (not shown: it is secret).');
    expect(() => loadSettings({ KRYONIX_MASTER_KEY: 'ab'.repeat(32) }, 'cli')).not.toThrow();
    const short = failure(() => loadSettings({ KRYONIX_OPERATOR_TOKEN: 'short-secret' }, 'control-plane'));
    expect(short.message).toContain('KRYONIX_OPERATOR_TOKEN must be a secret of at least 16 characters');
    expect(short.message).not.toContain('short-secret');
  });

  it('checks only what a process reads: a bad data-plane metrics port stops the data plane and up, not a CLI command', () => {
    const env = { KRYONIX_DATA_METRICS_PORT: 'nope' };
    expect(() => loadSettings(env, 'cli')).not.toThrow();
    expect(() => loadSettings(env, 'control-plane')).not.toThrow();
    expect(failure(() => loadSettings(env, 'data-plane')).message).toContain('KRYONIX_DATA_METRICS_PORT');
    expect(failure(() => loadSettings(env, 'up')).message).toContain('KRYONIX_DATA_METRICS_PORT');
  });

  it('names every variable once, each with a description and at least one process', () => {
    const names = specs.map((s) => s.env);
    expect(new Set(names).size).toBe(names.length);
    for (const s of specs) {
      expect(s.env).toMatch(/^(KRYONIX_[A-Z_]+|REDIS_URL)$/);
      expect(s.description.length).toBeGreaterThan(10);
      expect(s.processes.length).toBeGreaterThan(0);
    }
  });

  it('lists every environment variable the code reads', () => {
    const known = new Set(specs.map((s) => s.env));
    const read = new Set<string>();
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) {
          // libs/sdk runs in tenant apps: its examples' variables are theirs, not Kryonix's.
          if (name !== 'node_modules' && path !== projectPath('libs', 'sdk')) walk(path);
        } else if (/\.(ts|js|mjs)$/.test(name) && !name.endsWith('.spec.ts')) {
          for (const m of readFileSync(path, 'utf8').matchAll(/(?:env\.|env\[['"]|process\.env\.)(KRYONIX_[A-Z_]+|REDIS_URL)\b/g)) read.add(m[1]!);
        }
      }
    };
    for (const dir of ['apps', 'libs', 'bin', 'tools']) walk(projectPath(dir));
    expect(read.size).toBeGreaterThan(5);
    expect([...read].filter((name) => !known.has(name)).sort()).toEqual([]);
  });

  it("makes the local agent's configuration of the core settings only", () => {
    const core = coreSettingNames();
    expect(core).toContain('KRYONIX_DATABASE_URL');
    expect(core).toContain('KRYONIX_MODULES_DIR');
    expect(core).not.toContain('KRYONIX_JSON');
    expect(core).not.toContain('KRYONIX_API_URL');
    expect(core).not.toContain('KRYONIX_AGENT_IDLE');
  });

  it('is the README configuration table', () => {
    const readme = readFileSync(projectPath('README.md'), 'utf8');
    const start = readme.indexOf(SETTINGS_TABLE_MARKERS.start);
    const end = readme.indexOf(SETTINGS_TABLE_MARKERS.end);
    expect(start).toBeGreaterThan(0);
    expect(readme.slice(start + SETTINGS_TABLE_MARKERS.start.length, end).trim()).toBe(settingsTable().trim());
    for (const s of specs) expect(settingsTable()).toContain(`\`${s.env}\``);
  });
});

describe('tenantUrl (the URL a client uses for a tenant)', () => {
  it('is https://<id>.<base-domain>:<data port>, without the port when it is 443, or KRYONIX_PUBLIC_URL', () => {
    expect(tenantUrl({ baseDomain: 'localhost', dataPort: 8443, publicUrl: undefined }, 'acme')).toBe('https://acme.localhost:8443');
    expect(tenantUrl({ baseDomain: 'kryonix.com.br', dataPort: 443, publicUrl: undefined }, 'acme')).toBe('https://acme.kryonix.com.br');
    expect(tenantUrl({ baseDomain: 'x', dataPort: 8443, publicUrl: 'https://<id>.apps.example.com/' }, 'acme')).toBe('https://acme.apps.example.com');
  });
});
