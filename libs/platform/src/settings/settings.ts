import { isIP } from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';
import ms, { StringValue } from 'ms';
import { ConfigurationError, SIZE_UNITS } from '@kryonix/domain';
import { projectPath } from '../project-root';
import { parseMasterKey } from '../secrets';

/**
 * Every environment variable any Kryonix process reads, in one table: its type,
 * default, allowed range, which processes read it and what it means. A process parses
 * the settings it reads once, when it starts (loadSettings); a bad value stops it there
 * with one line naming the variable, the value and what is allowed. The README's
 * configuration table is generated from this list (`npm run generate`).
 *
 * This file is light on purpose (no database driver, no framework): the CLI's small
 * bundle imports it to name its local agent.
 */

/** The processes that read settings. `cli` = a command run in the CLI's own process. */
export type KryonixProcess = 'cli' | 'control-plane' | 'data-plane' | 'up' | 'tests';

/** PostgreSQL's timeouts are a 32-bit count of milliseconds: a larger value would make every connection fail. */
const PG_TIMEOUT_MAX = { ms: 2_147_483_647, shown: '24 days (PostgreSQL\'s limit: 2147483647 ms)' };

const CORE: readonly KryonixProcess[] = ['cli', 'control-plane', 'data-plane', 'up'];
const SERVERS: readonly KryonixProcess[] = ['control-plane', 'data-plane'];

export interface SettingSpec<T> {
  /** The environment variable. */
  env: string;
  /** What kind of value, as the README shows it. */
  type: string;
  /** The default as the README shows it (undefined: unset). */
  shown?: string;
  description: string;
  processes: readonly KryonixProcess[];
  /**
   * Not part of the core's configuration but an option of one command (or a process's
   * own plumbing): left out of the local agent's configuration hash.
   */
  perCommand?: boolean;
  /** Never echoed in an error. */
  secret?: boolean;
  /** Parses the raw value (undefined or '' = unset); throws a string saying what is allowed. */
  parse(raw: string | undefined, ctx: ParseContext): T;
}

export interface ParseContext {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}

type Spec<T> = Omit<SettingSpec<T>, 'parse' | 'type'> & { type?: string };

const unset = (raw: string | undefined): raw is undefined | '' => raw === undefined || raw === '';

function text(spec: Spec<string | undefined> & { default?: undefined; pattern?: RegExp; allowed?: string }): SettingSpec<string | undefined>;
function text(spec: Spec<string> & { default: string; pattern?: RegExp; allowed?: string }): SettingSpec<string>;
function text(spec: Spec<string | undefined> & { default?: string; pattern?: RegExp; allowed?: string }): SettingSpec<string | undefined> {
  return {
    type: 'string',
    shown: spec.default,
    ...spec,
    parse(raw) {
      if (unset(raw)) return spec.default;
      if (spec.pattern && !spec.pattern.test(raw)) throw spec.allowed ?? `a value matching ${spec.pattern}`;
      return raw;
    },
  };
}

function integer(spec: Spec<number> & { default: number; min: number; max: number; allowed?: string }): SettingSpec<number> {
  return {
    type: 'integer',
    shown: String(spec.default),
    ...spec,
    parse(raw) {
      if (unset(raw)) return spec.default;
      const n = Number(raw);
      if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < spec.min || n > spec.max) throw spec.allowed ?? `a whole number from ${spec.min} to ${spec.max}`;
      return n;
    },
  };
}

function port(spec: Spec<number> & { default: number }): SettingSpec<number> {
  return integer({ type: 'port', min: 1, max: 65535, allowed: 'a port number (1-65535)', ...spec });
}

/** Milliseconds, written as a number of milliseconds. */
function millis(spec: Spec<number> & { default: number; min?: number; max?: number }): SettingSpec<number> {
  const min = spec.min ?? 0;
  const max = spec.max ?? 7 * 24 * 3600 * 1000;
  return integer({ type: 'milliseconds', min, max, allowed: `a number of milliseconds from ${min} to ${max}`, ...spec });
}

/** A duration such as "7d", "12h", "30m" or a number of seconds; parsed to milliseconds. */
function duration(spec: Spec<number> & { default: string; max?: { ms: number; shown: string } }): SettingSpec<number>;
function duration(spec: Spec<number | undefined> & { max?: { ms: number; shown: string } }): SettingSpec<number | undefined>;
function duration(spec: Spec<number | undefined> & { default?: string; max?: { ms: number; shown: string } }): SettingSpec<number | undefined> {
  return {
    type: 'duration',
    shown: spec.default,
    ...spec,
    parse(raw) {
      const value = unset(raw) ? spec.default : raw;
      if (value === undefined) return undefined;
      const parsed = /^\d+$/.test(value) ? Number(value) * 1000 : ms(value as StringValue);
      if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < 0) throw 'a duration such as "7d", "12h", "30m" or a number of seconds';
      if (spec.max && parsed > spec.max.ms) throw `a duration of at most ${spec.max.shown}`;
      return parsed;
    },
  };
}

function choice<const C extends string>(spec: Spec<C> & { default: C; choices: readonly C[] }): SettingSpec<C> {
  return {
    type: spec.choices.map((c) => `\`${c}\``).join(' \\| '),
    shown: spec.default,
    ...spec,
    parse(raw) {
      if (unset(raw)) return spec.default;
      if (!(spec.choices as readonly string[]).includes(raw)) throw `one of ${spec.choices.join(', ')}`;
      return raw as C;
    },
  };
}

/** A folder or file path; relative paths are taken from the working directory. */
function path(spec: Spec<string> & { fallback: (ctx: ParseContext) => string }): SettingSpec<string>;
function path(spec: Spec<string | undefined>): SettingSpec<string | undefined>;
function path(spec: Spec<string | undefined> & { fallback?: (ctx: ParseContext) => string }): SettingSpec<string | undefined> {
  return {
    type: 'path',
    ...spec,
    parse(raw, ctx) {
      if (unset(raw)) return spec.fallback?.(ctx);
      return isAbsolute(raw) ? raw : resolve(ctx.cwd, raw);
    },
  };
}

function secret(spec: Spec<string | undefined> & { minLength?: number; allowed?: string; valid?: (raw: string) => boolean }): SettingSpec<string | undefined> {
  return {
    type: 'secret',
    secret: true,
    ...spec,
    parse(raw) {
      if (unset(raw)) return undefined;
      if (spec.minLength && raw.length < spec.minLength) throw spec.allowed ?? `a secret of at least ${spec.minLength} characters`;
      if (spec.valid && !spec.valid(raw)) throw spec.allowed ?? 'a valid secret';
      return raw;
    },
  };
}

function url(spec: Spec<string | undefined> & { protocols: readonly string[] }): SettingSpec<string | undefined> {
  return {
    type: 'URL',
    ...spec,
    parse(raw) {
      if (unset(raw)) return undefined;
      const parsed = checkedUrl(raw, spec.protocols);
      if (typeof parsed === 'string') throw parsed;
      return raw;
    },
  };
}

/** The URLs of a PostgreSQL server (KRYONIX_DATABASE_URL, `server add`'s admin and replication URLs). */
export const POSTGRES_PROTOCOLS: readonly string[] = ['postgres:', 'postgresql:'];

/** `raw` parsed as a URL of one of `protocols`, or what is allowed instead (never echoing `raw`: it may hold a password). */
export function checkedUrl(raw: string, protocols: readonly string[]): URL | string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return `a URL (${protocols.map((p) => `${p}//…`).join(' or ')})`;
  }
  if (!protocols.includes(parsed.protocol)) return `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`;
  return parsed;
}


function size(spec: Spec<number> & { default: string }): SettingSpec<number> {
  return {
    type: 'size',
    shown: spec.default,
    ...spec,
    parse(raw) {
      const value = (unset(raw) ? spec.default : raw).trim();
      const m = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB)?$/i.exec(value);
      if (!m) throw 'a size such as "5GB" or "500MB"';
      return Math.round(Number(m[1]) * SIZE_UNITS[(m[2] ?? 'B').toUpperCase() as keyof typeof SIZE_UNITS]);
    },
  };
}

/** KRYONIX_HOME as the settings read it (other defaults are under it). */
function homeOf(ctx: ParseContext): string {
  const raw = ctx.env.KRYONIX_HOME;
  return unset(raw) ? resolve(ctx.cwd, '.kryonix') : isAbsolute(raw) ? raw : resolve(ctx.cwd, raw);
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const DNS_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const FAILPOINT = /^([a-z_]+)=(fail|hang|pause)$/;

/** What a failpoint does to its step, right after the step's action has run: fail, hang for ever, or pause 3 s and go on. */
export type FailpointAction = 'fail' | 'hang' | 'pause';

/** `<step>=fail|hang|pause`, comma-separated (a trailing comma is fine): step → action. */
function failpoints(spec: Spec<ReadonlyMap<string, FailpointAction>>): SettingSpec<ReadonlyMap<string, FailpointAction>> {
  return {
    type: 'string',
    ...spec,
    parse(raw) {
      const points = new Map<string, FailpointAction>();
      if (unset(raw)) return points;
      const parts = raw.split(',').map((p) => p.trim());
      if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
      for (const part of parts) {
        const m = FAILPOINT.exec(part);
        if (!m) throw 'a list such as "create_database=fail,write_files=hang" (<step>=fail|hang|pause)';
        points.set(m[1]!, m[2] as FailpointAction);
      }
      return points;
    },
  };
}

/** Comma-separated IPv4/IPv6 addresses or CIDR ranges (`10.0.0.0/8`, `fd00::/8`), normalised; unset = none. */
function addresses(spec: Spec<readonly string[]>): SettingSpec<readonly string[]> {
  const allowed = 'a comma-separated list of IP addresses or CIDR ranges such as "10.0.0.0/8,192.168.1.5"';
  return {
    type: 'string',
    ...spec,
    parse(raw) {
      if (unset(raw)) return [];
      return raw.split(',').map((part) => {
        const [address = '', bits, ...rest] = part.trim().split('/');
        const family = isIP(address);
        const max = family === 4 ? 32 : 128;
        if (!family || rest.length > 0 || (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > max))) throw allowed;
        return bits === undefined ? address : `${address}/${Number(bits)}`;
      });
    },
  };
}

/** The schema: one entry per environment variable. */
export const SETTINGS = {
  // ---- where things are -------------------------------------------------------------
  databaseUrl: url({
    env: 'KRYONIX_DATABASE_URL',
    shown: 'unset: embedded',
    protocols: POSTGRES_PROTOCOLS,
    secret: true,
    processes: CORE,
    description:
      'Admin URL of the PostgreSQL server (a role with CREATEDB and CREATEROLE). Unset: the embedded PostgreSQL under `KRYONIX_HOME` is started on demand and reused by later commands.',
  }),
  home: path({
    env: 'KRYONIX_HOME',
    shown: './.kryonix',
    fallback: (ctx) => resolve(ctx.cwd, '.kryonix'),
    processes: [...CORE, 'tests'],
    description: 'Local state: embedded PostgreSQL data (`postgres/`, admin password in `postgres.json`, mode 0600), `master.key` (0600), `generated/`, the operator token, the local agents (`run/`), the local CA and its leaves (`tls/`, 0700).',
  }),
  registryDatabase: text({
    env: 'KRYONIX_REGISTRY_DATABASE',
    default: 'kryonix_core',
    pattern: IDENTIFIER,
    allowed: 'a lowercase identifier such as "kryonix_core"',
    processes: CORE,
    description: 'Control database holding `tenant_management`; created and migrated at start-up.',
  }),
  masterKey: secret({
    env: 'KRYONIX_MASTER_KEY',
    shown: 'generated into `$KRYONIX_HOME/master.key`',
    processes: CORE,
    allowed: '32 bytes as 64 hex characters or base64',
    valid: (raw) => {
      try {
        parseMasterKey(raw);
        return true;
      } catch {
        return false;
      }
    },
    description: '32 bytes as 64 hex chars or base64 (`openssl rand -hex 32`); encrypts tenant role passwords in the registry. Keep it: without it those passwords cannot be read back.',
  }),
  modulesDir: path({
    env: 'KRYONIX_MODULES_DIR',
    shown: 'sql/modules',
    fallback: () => projectPath('sql', 'modules'),
    processes: CORE,
    description: 'Folder of SQL modules.',
  }),
  outputDir: path({
    env: 'KRYONIX_OUTPUT_DIR',
    shown: '$KRYONIX_HOME/generated',
    fallback: (ctx) => join(homeOf(ctx), 'generated'),
    processes: CORE,
    description: 'Generated per-tenant files go to `<dir>/<id>/`.',
  }),
  backupDir: path({
    env: 'KRYONIX_BACKUP_DIR',
    shown: '$KRYONIX_HOME/backups',
    fallback: (ctx) => join(homeOf(ctx), 'backups'),
    processes: CORE,
    description: 'Where `kryonix tenant backup` writes when no `--out` is given (`<id>-<UTC time>.kxbackup`, 0600, folder 0700), and where the HTTP API finds a backup by its id.',
  }),
  backupSchedule: text({
    env: 'KRYONIX_BACKUP_SCHEDULE',
    shown: 'unset (off)',
    processes: ['cli', 'control-plane', 'up'],
    description:
      'Scheduled backups: a cron expression (5 fields, or 6 with seconds first; `@daily`-style aliases) in `KRYONIX_BACKUP_TIMEZONE`. The control plane then backs up every active tenant at each scheduled time into `KRYONIX_BACKUP_DIR` as durable jobs (one per tenant and time, however many control planes run; a time missed while all were down is made once when one comes back), and the generated alert rules gain `KryonixTenantBackupStale` and `KryonixTenantBackupMissing` (no backup newer than twice the longest interval plus an hour). Checked when a process starts.',
  }),
  backupTimezone: text({
    env: 'KRYONIX_BACKUP_TIMEZONE',
    default: 'UTC',
    processes: ['cli', 'control-plane', 'up'],
    description: 'The IANA time zone `KRYONIX_BACKUP_SCHEDULE` is read in (e.g. `America/Sao_Paulo`).',
  }),
  backupKeep: integer({
    env: 'KRYONIX_BACKUP_KEEP',
    default: 7,
    min: 1,
    max: 100_000,
    processes: ['control-plane'],
    description: "Scheduled backups kept per tenant: after each one, that tenant's older scheduled backups beyond this many are removed (backups made by `kryonix tenant backup` are never removed).",
  }),
  restoreJobs: integer({
    env: 'KRYONIX_RESTORE_JOBS',
    default: 2,
    min: 1,
    max: 16,
    processes: ['cli', 'control-plane', 'up'],
    description:
      "Connections a restore or clone uses at a time, once the rows are in, to build the tables' keys and indexes and read each table back against the backup's checksum (side by side, as `pg_restore -j` does). More is faster on a server with cores to spare; 1 does it all on one.",
  }),
  backupUploadMaxBytes: size({
    env: 'KRYONIX_BACKUP_UPLOAD_MAX',
    default: '10GB',
    processes: ['control-plane'],
    description: 'The largest backup file `POST /v1/backups` (an upload, `kryonix tenant restore <file> --api`) accepts; a larger body is refused with 413 and nothing is kept.',
  }),
  baseDomain: text({
    env: 'KRYONIX_BASE_DOMAIN',
    default: 'localhost',
    pattern: DNS_NAME,
    allowed: 'a lowercase DNS name such as "kryonix.com.br"',
    processes: CORE,
    description: 'Tenants are served at `https://<id>.<base-domain>`.',
  }),
  embeddedPort: port({
    env: 'KRYONIX_EMBEDDED_PORT',
    default: 54329,
    processes: CORE,
    description: 'Port of the embedded PostgreSQL (loopback only).',
  }),
  deleteGraceMs: duration({
    env: 'KRYONIX_DELETE_GRACE',
    default: '7d',
    processes: CORE,
    description: "How long a deleted tenant's data is kept before the worker purges it (`7d`, `12h`, `30m`, or seconds).",
  }),
  moveMaxPauseMs: duration({
    env: 'KRYONIX_MOVE_MAX_PAUSE',
    default: '2s',
    max: { ms: 60_000, shown: '60s' },
    processes: CORE,
    description:
      "The longest a tenant's requests are held at a move's cut-over: data planes hold its new requests for at most this long, and a cut-over that cannot finish within it is abandoned (writes resume on the source) and tried again (`tenant move --attempts`).",
  }),
  moveCopyTimeoutMs: duration({
    env: 'KRYONIX_MOVE_COPY_TIMEOUT',
    default: '12h',
    processes: CORE,
    description:
      "The longest a move's copy phase (the initial copy of every table, until each streams) may take: past it the move fails with MOVE_FAILED and is rolled back, the tenant served from its source as before.",
  }),
  moveProgressMs: millis({
    env: 'KRYONIX_MOVE_PROGRESS_MS',
    default: 3_000,
    min: 100,
    processes: CORE,
    description: "How often a move's copy reports its progress (tables copied of the total, rows copied, lag in bytes): a line of `tenant move`, an event of `--json`.",
  }),
  moveKeepMs: duration({
    env: 'KRYONIX_MOVE_KEEP',
    default: '24h',
    processes: CORE,
    description: "How long a moved tenant's source copy is kept (without access) before the control plane's worker purges it.",
  }),
  storageQuotaBytes: size({
    env: 'KRYONIX_TENANT_STORAGE_QUOTA',
    default: '5GB',
    processes: CORE,
    description: 'Storage quota per tenant: `kryonix_tenant_storage_quota_bytes`, the base of the storage alert.',
  }),
  redisUrl: url({
    env: 'REDIS_URL',
    protocols: ['redis:', 'rediss:'],
    secret: true,
    processes: CORE,
    description: 'Redis for tenant events (channel `kryonix:tenants`), the shared route cache and rate limits; everything works without it.',
  }),
  warmDatabases: integer({
    env: 'KRYONIX_WARM_DATABASES',
    default: 2,
    min: 0,
    max: 20,
    processes: ['control-plane'],
    description: 'Warm spares per mode and module set kept by long-lived processes (the control plane, the CLI agent): databases cloned, or schema-mode roles and schemas made, ahead of the next create.',
  }),
  failpoints: failpoints({
    env: 'KRYONIX_FAILPOINTS',
    shown: 'unset',
    processes: CORE,
    description: 'Test hook: `<step>=fail`, `<step>=hang` or `<step>=pause` makes that step fail, hang, or pause for 3 s right after its action, e.g. `write_files=hang`.',
  }),

  // ---- the control plane --------------------------------------------------------------
  operatorToken: secret({
    env: 'KRYONIX_OPERATOR_TOKEN',
    shown: '— (`kryonix up` generates `$KRYONIX_HOME/operator-token`)',
    minLength: 16,
    allowed: 'a secret of at least 16 characters (e.g. `openssl rand -hex 32`)',
    processes: ['control-plane', 'cli', 'up'],
    description: 'Bearer token of the HTTP API (≥ 16 chars); also the CLI\'s token with `--api`.',
  }),
  controlPort: port({ env: 'KRYONIX_CONTROL_PORT', default: 3000, processes: ['control-plane', 'up'], description: 'Where the control plane listens.' }),
  consoleIdleTimeoutMs: duration({
    env: 'KRYONIX_CONSOLE_IDLE_TIMEOUT',
    default: '30m',
    max: { ms: 7 * 86_400_000, shown: '7d' },
    processes: ['control-plane'],
    description: 'A console session unused for this long is over (signed in again with the operator token).',
  }),
  consoleSessionMaxMs: duration({
    env: 'KRYONIX_CONSOLE_SESSION_MAX',
    default: '12h',
    max: { ms: 30 * 86_400_000, shown: '30d' },
    processes: ['control-plane'],
    description: 'A console session ends this long after its sign-in, used or not (the absolute expiry).',
  }),
  controlHost: text({ env: 'KRYONIX_CONTROL_HOST', default: '127.0.0.1', processes: ['control-plane'], description: 'Address the control plane listens on.' }),
  controlSocket: path({
    env: 'KRYONIX_CONTROL_SOCKET',
    perCommand: true,
    processes: ['control-plane'],
    description: 'Listen on this Unix socket (mode 0600) instead of TCP: set by the CLI for its local agent.',
  }),
  idleExitMs: duration({
    env: 'KRYONIX_IDLE_EXIT',
    perCommand: true,
    processes: ['control-plane'],
    description: 'Exit after this long without requests (set by the CLI for its local agent).',
  }),
  pidFile: path({ env: 'KRYONIX_PID_FILE', perCommand: true, processes: ['control-plane'], description: 'Write the process id here (set by the CLI for its local agent).' }),
  logLevel: choice({
    env: 'KRYONIX_LOG_LEVEL',
    default: 'info',
    choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    processes: SERVERS,
    description: "Log level of both servers (JSON logs with secrets redacted); the data plane logs only warnings and errors unless `silent`.",
  }),
  workerIntervalMs: millis({ env: 'KRYONIX_WORKER_INTERVAL_MS', default: 60_000, processes: ['control-plane'], description: 'Purge pass of deleted tenants (0 = off).' }),
  metricsIntervalMs: millis({ env: 'KRYONIX_METRICS_INTERVAL_MS', default: 15_000, processes: ['control-plane'], description: 'Refresh of the per-tenant gauges (0 = off).' }),
  jobPollMs: millis({ env: 'KRYONIX_JOB_POLL_MS', default: 500, processes: ['control-plane'], description: 'How often the job worker looks for queued durable jobs (0 = no worker).' }),
  jobHeartbeatMs: millis({ env: 'KRYONIX_JOB_HEARTBEAT_MS', default: 5_000, min: 10, processes: ['control-plane'], description: 'Heartbeat of a running job.' }),
  jobStaleMs: millis({ env: 'KRYONIX_JOB_STALE_MS', default: 30_000, min: 100, processes: ['control-plane'], description: 'A running job without a heartbeat for this long is taken over by another worker.' }),
  metricsToken: secret({
    env: 'KRYONIX_METRICS_TOKEN',
    shown: 'unset (open)',
    processes: SERVERS,
    description: "When set, `/metrics` of both servers (the control plane's port, the data plane's metrics listener) wants `Authorization: Bearer <token>`.",
  }),
  trustedProxies: addresses({
    env: 'KRYONIX_TRUSTED_PROXIES',
    shown: 'unset (none)',
    processes: SERVERS,
    description:
      'Comma-separated IP addresses or CIDR ranges of reverse proxies in front of the servers: only a request from one of them has its `X-Forwarded-For` believed when wrong secrets are counted per client address.',
  }),
  authFailureLimit: integer({
    env: 'KRYONIX_AUTH_FAILURE_LIMIT',
    default: 10,
    min: 1,
    max: 1_000_000,
    processes: SERVERS,
    description:
      'Wrong secrets (operator token, metrics token) one client address may present within a minute; after that every request from it that needs a secret gets `429` with `Retry-After` until the minute is over (counted per process, in memory).',
  }),

  // ---- the data plane -----------------------------------------------------------------
  dataPort: port({ env: 'KRYONIX_DATA_PORT', default: 8443, processes: CORE, description: 'Where the data plane listens (and the port of tenant URLs, unless `KRYONIX_PUBLIC_URL` says otherwise).' }),
  publicUrl: text({
    env: 'KRYONIX_PUBLIC_URL',
    shown: 'unset: `https://<id>.<base-domain>:<data port>` (no port when it is 443)',
    pattern: /^https?:\/\/[^\s/]*<id>[^\s/]*(:\d{1,5})?\/?$/,
    allowed: 'a URL pattern with `<id>` in its host, e.g. https://<id>.apps.example.com',
    processes: CORE,
    description: 'The URL a tenant app uses to reach its tenant, as printed by `tenant create`, in `sdk.env` and in the data plane\'s hints (a proxy or a real domain in front of the data plane); `sdk.env` of existing tenants is rewritten when a control plane starts with another value.',
  }),
  dataHost: text({ env: 'KRYONIX_DATA_HOST', default: '127.0.0.1', processes: ['data-plane'], description: 'Address the data plane listens on.' }),
  dataMetricsPort: integer({
    env: 'KRYONIX_DATA_METRICS_PORT',
    type: 'port',
    default: 9464,
    min: 0,
    max: 65535,
    allowed: 'a port number (1-65535), or 0 for any free port',
    processes: ['data-plane', 'up'],
    description: "Where the data plane serves `/metrics` (plain HTTP, never on the tenant port); 0 = any free port (its log line says which).",
  }),
  dataMetricsHost: text({
    env: 'KRYONIX_DATA_METRICS_HOST',
    default: '127.0.0.1',
    processes: ['data-plane', 'up'],
    description: "Address of the data plane's metrics listener: loopback by default; bind it to a private network only (Docker: the compose network), never where tenants reach it.",
  }),
  tlsCert: path({
    env: 'KRYONIX_TLS_CERT',
    shown: 'unset (`kryonix up`: leaves of the local CA, see `KRYONIX_LOCAL_CA`)',
    processes: ['data-plane', 'up'],
    description: "PEM certificate (an operator's own, e.g. a wildcard for a real domain); the data plane serves HTTPS when it and `KRYONIX_TLS_KEY` are set, or `KRYONIX_TLS_DIR` is, plain HTTP otherwise.",
  }),
  tlsKey: path({ env: 'KRYONIX_TLS_KEY', shown: 'unset', processes: ['data-plane', 'up'], description: 'PEM private key of `KRYONIX_TLS_CERT`.' }),
  tlsDir: path({
    env: 'KRYONIX_TLS_DIR',
    shown: 'unset (`kryonix up`: `$KRYONIX_HOME/tls/leaves`)',
    processes: ['data-plane'],
    description:
      'Data plane: folder of leaf certificates picked by SNI, `<tenant id>.pem` (key and certificate) for `<id>.<base-domain>`, `_default.pem` for other names and clients without SNI (`KRYONIX_TLS_CERT/KEY` instead, when set); a new file is served without a restart (a name is looked for again after 1 s).',
  }),
  localCa: choice({
    env: 'KRYONIX_LOCAL_CA',
    default: 'auto',
    choices: ['auto', 'off'],
    processes: ['cli', 'control-plane', 'up'],
    description:
      "`auto`: `kryonix up` without `KRYONIX_TLS_CERT/KEY` makes a local certificate authority once (`$KRYONIX_HOME/tls/ca.crt`, key `ca.key` 0600), and wherever that CA exists the CLI and the control plane issue each tenant's leaf when it is created (and at start for existing ones); a deployment with its own certificates has no CA there and issues nothing. `off`: no leaf is issued (`up` then needs `KRYONIX_TLS_CERT/KEY`).",
  }),
  maxConnections: {
    env: 'KRYONIX_MAX_CONNECTIONS',
    type: 'integer',
    shown: 'unset (follows each server\'s `max_connections`)',
    processes: ['data-plane'],
    description:
      "Data plane: connections one process holds on each PostgreSQL server (a budget per registered server, all its pools together: a quarter for its shared schema-mode pool, the rest for database-mode tenant pools); a server that is busy or down costs only its own tenants. Unset: each server's own `(max_connections - superuser_reserved_connections - reserved_connections - KRYONIX_RESERVED_CONNECTIONS) / KRYONIX_DATA_PLANES`, read when the data plane first serves one of its tenants (at least 2).",
    parse(raw: string | undefined): number | undefined {
      if (unset(raw)) return undefined;
      const n = Number(raw);
      if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < 2 || n > 100_000) throw "a whole number from 2 to 100000, or unset to follow each server's max_connections";
      return n;
    },
  } satisfies SettingSpec<number | undefined>,
  reservedConnections: integer({
    env: 'KRYONIX_RESERVED_CONNECTIONS',
    default: 20,
    min: 0,
    max: 100_000,
    processes: ['data-plane'],
    description:
      "Data plane: connections of each PostgreSQL server left to others when the cap follows its max_connections (`KRYONIX_MAX_CONNECTIONS` unset): the control plane, the CLI, migrations, backups, monitoring.",
  }),
  dataPlanes: integer({
    env: 'KRYONIX_DATA_PLANES',
    default: 1,
    min: 1,
    max: 1_000,
    processes: ['data-plane'],
    description: "Data plane: how many data-plane processes share each PostgreSQL server; the cap that follows a server's max_connections is divided among them.",
  }),
  tenantPoolSize: integer({ env: 'KRYONIX_TENANT_POOL_SIZE', default: 1, min: 1, max: 100, processes: ['data-plane'], description: "Data plane: connections of one database-mode tenant's pool." }),
  poolIdleMs: millis({ env: 'KRYONIX_POOL_IDLE_MS', default: 30_000, min: 100, processes: ['data-plane'], description: 'Data plane: idle connections are closed after this long.' }),
  acquireTimeoutMs: millis({
    env: 'KRYONIX_ACQUIRE_TIMEOUT_MS',
    default: 5_000,
    min: 1,
    max: 600_000,
    processes: CORE,
    description: 'How long getting a database connection may take (a busy budget, a server that does not answer) before a request gets 503 or a command fails.',
  }),
  statementTimeoutMs: duration({
    env: 'KRYONIX_STATEMENT_TIMEOUT',
    max: PG_TIMEOUT_MAX,
    default: '30s',
    processes: CORE,
    description: "`statement_timeout` of tenant work: in the startup packet of every data-plane connection (it holds after each tenant switch, at no extra round trip) and on every tenant role (`ALTER ROLE … SET`, for its direct logins; existing roles get it when a control plane starts); a request cancelled by it gets `504 QUERY_TIMEOUT`. 0 = none; at most 24 days (PostgreSQL's limit), as for the other two.",
  }),
  lockTimeoutMs: duration({
    env: 'KRYONIX_LOCK_TIMEOUT',
    max: PG_TIMEOUT_MAX,
    default: '10s',
    processes: CORE,
    description: '`lock_timeout` of tenant work, set like `KRYONIX_STATEMENT_TIMEOUT`; a request that waited that long for a lock gets `503 LOCK_TIMEOUT`. 0 = none.',
  }),
  idleInTransactionTimeoutMs: duration({
    env: 'KRYONIX_IDLE_IN_TRANSACTION_TIMEOUT',
    max: PG_TIMEOUT_MAX,
    default: '60s',
    processes: CORE,
    description: '`idle_in_transaction_session_timeout` of tenant work, set like `KRYONIX_STATEMENT_TIMEOUT`: a session left idle inside a transaction is ended. 0 = none.',
  }),
  dataApplicationName: text({
    env: 'KRYONIX_DATA_APPLICATION_NAME',
    default: 'kryonix-data-plane',
    pattern: /^[\x20-\x7e]{1,63}$/,
    allowed: '1 to 63 printable ASCII characters',
    processes: ['data-plane'],
    description: 'Data plane: `application_name` of its server connections, to tell processes apart in `pg_stat_activity`.',
  }),
  routeTtlMs: millis({
    env: 'KRYONIX_ROUTE_TTL_MS',
    default: 600_000,
    min: 0,
    max: 3_600_000,
    processes: ['data-plane'],
    description:
      "Data plane: how long a tenant's route (server, status, keys, schemas) is used before the registry is read again (0: at every request). A safety net only: every change of a tenant reaches each data plane as an event (PostgreSQL `NOTIFY`, and Redis when set) that drops its route at once, and a data plane whose event channel reconnected reads every route again.",
  }),
  routeStaleMaxMs: duration({
    env: 'KRYONIX_ROUTE_STALE_MAX',
    default: '24h',
    processes: ['data-plane'],
    description:
      "Data plane: while the registry cannot be read, tenants it served before are still served from their last known route (keys included) for this long after its last read; tenants never seen get 503, and `/readyz` and the metrics say so. 0: none (every route needs the registry once its TTL is over).",
  }),
  unknownTenantTtlMs: millis({
    env: 'KRYONIX_UNKNOWN_TENANT_TTL_MS',
    default: 1_000,
    min: 0,
    max: 3_600_000,
    processes: ['data-plane'],
    description:
      'Data plane: how long a subdomain the registry does not know is remembered as unknown (apart from the routes, at most 10,000 names); a tenant created meanwhile is served after this at the latest, at once with Redis (its `TenantProvisioned` event).',
  }),
  rateLimit: integer({
    env: 'KRYONIX_RATE_LIMIT',
    default: 6000,
    min: 1,
    max: 10_000_000,
    processes: ['data-plane'],
    description: "Data plane: requests per minute per tenant (a sliding window in Redis, shared by every data plane; without Redis, or while it is down, counted by each process alone); a tenant's own `rate_limit_per_minute` in the registry wins.",
  }),

  // ---- the CLI ------------------------------------------------------------------------
  apiUrl: url({ env: 'KRYONIX_API_URL', perCommand: true, protocols: ['http:', 'https:'], processes: ['cli'], description: 'The CLI\'s `--api`: send commands to this running control plane.' }),
  agent: choice({ env: 'KRYONIX_AGENT', default: 'on', choices: ['on', 'auto', 'off'], perCommand: true, processes: ['cli'], description: '`off`: the CLI never starts or uses its local agent (`on` and `auto` are the same: use it).' }),
  agentIdle: duration({ env: 'KRYONIX_AGENT_IDLE', default: '10m', perCommand: true, processes: ['cli'], description: 'The local agent exits after this long without requests.' }),
  codeCache: choice({ env: 'KRYONIX_CODE_CACHE', default: 'on', choices: ['on', 'off'], perCommand: true, processes: ['cli'], description: "`off`: the CLI does not use V8's code cache (`dist/.code-cache/`); a command's cache is written by its first successful run." }),
  codeCacheDir: path({ env: 'KRYONIX_CODE_CACHE_DIR', shown: 'dist/.code-cache', perCommand: true, processes: ['cli'], description: "Where the CLI keeps V8's code cache (read by `bin/kryonix.js`)." }),
  debug: text({ env: 'KRYONIX_DEBUG', shown: 'unset', perCommand: true, processes: ['cli'], description: 'When set, the CLI prints the stack of an internal error.' }),
  modules: text({ env: 'KRYONIX_MODULES', shown: '', perCommand: true, processes: ['cli'], description: '`--modules` of `tenant create`.' }),
  mode: text({ env: 'KRYONIX_MODE', shown: '', perCommand: true, processes: ['cli'], description: '`--mode` of `tenant create`.' }),
  json: text({ env: 'KRYONIX_JSON', shown: '', perCommand: true, processes: ['cli'], description: '`--json` of every command.' }),
  migrateConcurrency: text({ env: 'KRYONIX_MIGRATE_CONCURRENCY', shown: '', perCommand: true, processes: ['cli'], description: '`--concurrency` of `migrate`.' }),

  // ---- tests --------------------------------------------------------------------------
  testDatabaseUrl: url({
    env: 'KRYONIX_TEST_DATABASE_URL',
    shown: 'unset',
    protocols: POSTGRES_PROTOCOLS,
    secret: true,
    perCommand: true,
    processes: ['tests'],
    description: 'Tests: use this server instead of starting an embedded one.',
  }),
  testMasterKey: secret({
    env: 'KRYONIX_TEST_MASTER_KEY',
    shown: 'random per run',
    perCommand: true,
    processes: ['tests'],
    description: 'Tests: the master key of the test environments (set by the Jest global setup).',
  }),
  testDocker: choice({
    env: 'KRYONIX_TEST_DOCKER',
    default: '0',
    choices: ['0', '1'],
    perCommand: true,
    processes: ['tests'],
    description: 'Tests: `1` starts the shared PostgreSQL and the Redis servers with testcontainers when a Docker engine is reachable (else, and by default, the embedded server and a local redis-server).',
  }),
  testContainers: text({
    env: 'KRYONIX_TEST_CONTAINERS',
    shown: 'unset',
    perCommand: true,
    processes: ['tests'],
    description: 'Tests: set by the Jest global setup to `docker` when it started PostgreSQL with testcontainers (test files then start Redis the same way).',
  }),
  testEmbeddedHome: path({
    env: 'KRYONIX_TEST_EMBEDDED_HOME',
    perCommand: true,
    processes: ['tests'],
    description: 'Tests: the home of the embedded server the Jest global setup started (its teardown stops it).',
  }),
} satisfies Record<string, SettingSpec<unknown>>;

export type SettingKey = keyof typeof SETTINGS;
export type Settings = { readonly [K in SettingKey]: ReturnType<(typeof SETTINGS)[K]['parse']> };

/**
 * The settings of one process, parsed once: every variable that process reads is
 * checked (the first bad one stops it with a ConfigurationError naming it), the others
 * keep their defaults.
 */
export function loadSettings(env: Readonly<Record<string, string | undefined>> = process.env, process_: KryonixProcess = 'cli', cwd = process.cwd()): Settings {
  const ctx: ParseContext = { cwd, env };
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(SETTINGS) as Array<[SettingKey, SettingSpec<unknown>]>) {
    const raw = env[spec.env];
    const reads = spec.processes.includes(process_);
    try {
      out[key] = spec.parse(reads ? raw : undefined, ctx);
    } catch (allowed) {
      if (typeof allowed !== 'string') throw allowed;
      throw invalidSetting(spec, raw, allowed);
    }
  }
  return out as Settings;
}

/** One line: the variable, the value it got (unless secret) and what is allowed. */
export function invalidSetting(spec: Pick<SettingSpec<unknown>, 'env' | 'secret'>, raw: string | undefined, allowed: string): ConfigurationError {
  const got = spec.secret ? 'a value that is not valid (not shown: it is secret)' : JSON.stringify(raw);
  return new ConfigurationError(`${spec.env} must be ${allowed}; got ${got}.`);
}

/** The settings that make up the core's configuration (the local agent's identity): not the per-command ones. */
export function coreSettingNames(): string[] {
  return Object.values(SETTINGS as Record<string, SettingSpec<unknown>>)
    .filter((s) => !s.perCommand)
    .map((s) => s.env);
}
