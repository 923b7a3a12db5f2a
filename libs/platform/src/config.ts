import { isAbsolute, join, resolve } from 'node:path';
import ms, { StringValue } from 'ms';
import { ConfigurationError } from '@kryonix/domain';
import { projectPath } from './project-root';

export interface KryonixConfig {
  /** KRYONIX_HOME: local state (embedded PostgreSQL, master key, generated files). */
  home: string;
  /** KRYONIX_DATABASE_URL: admin URL of the PostgreSQL server; unset = embedded. */
  databaseUrl?: string;
  /** KRYONIX_REGISTRY_DATABASE: the control database holding tenant_management. */
  registryDatabase: string;
  /** KRYONIX_MODULES_DIR: folder of SQL modules. */
  modulesDir: string;
  /** KRYONIX_OUTPUT_DIR: generated per-tenant files go to <outputDir>/<id>/. */
  outputDir: string;
  /** Handlebars templates of the generated files. */
  templatesDir: string;
  /** KRYONIX_BASE_DOMAIN: tenants are served at https://<id>.<baseDomain>. */
  baseDomain: string;
  /** KRYONIX_MASTER_KEY: 32 bytes (hex or base64); default a generated key file under KRYONIX_HOME. */
  masterKey?: string;
  /** KRYONIX_EMBEDDED_PORT: port of the embedded PostgreSQL. */
  embeddedPort: number;
  /** KRYONIX_TENANT_STORAGE_QUOTA: storage quota of a tenant (e.g. "5GB"), the base of the storage alert. */
  storageQuotaBytes: number;
  /** REDIS_URL: shared cache and event bus (kryonix:tenants); optional. */
  redisUrl?: string;
  /** KRYONIX_DELETE_GRACE (e.g. "7d", "12h", "0"): how long a deleted tenant's data is kept. */
  deleteGraceMs: number;
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env, cwd = process.cwd()): KryonixConfig {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(cwd, p));
  const home = abs(env.KRYONIX_HOME || '.kryonix');
  const port = Number(env.KRYONIX_EMBEDDED_PORT || 54329);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigurationError(`KRYONIX_EMBEDDED_PORT must be a port number (1-65535), got ${JSON.stringify(env.KRYONIX_EMBEDDED_PORT)}.`);
  }
  const registryDatabase = env.KRYONIX_REGISTRY_DATABASE || 'kryonix_core';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(registryDatabase)) {
    throw new ConfigurationError(`KRYONIX_REGISTRY_DATABASE must be a lowercase identifier, got ${JSON.stringify(registryDatabase)}.`);
  }
  const baseDomain = env.KRYONIX_BASE_DOMAIN || 'localhost';
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(baseDomain)) {
    throw new ConfigurationError(`KRYONIX_BASE_DOMAIN must be a lowercase DNS name such as "kryonix.com.br", got ${JSON.stringify(baseDomain)}.`);
  }
  const grace = env.KRYONIX_DELETE_GRACE ?? '7d';
  const deleteGraceMs = /^\d+$/.test(grace) ? Number(grace) * 1000 : ms(grace as StringValue);
  if (typeof deleteGraceMs !== 'number' || !Number.isFinite(deleteGraceMs) || deleteGraceMs < 0) {
    throw new ConfigurationError(`KRYONIX_DELETE_GRACE must be a duration such as "7d", "12h", "30m" or a number of seconds, got ${JSON.stringify(grace)}.`);
  }
  const quotaText = env.KRYONIX_TENANT_STORAGE_QUOTA ?? '5GB';
  const quota = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB)?$/i.exec(quotaText.trim());
  if (!quota) throw new ConfigurationError(`KRYONIX_TENANT_STORAGE_QUOTA must be a size such as "5GB" or "500MB", got ${JSON.stringify(quotaText)}.`);
  const unit = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 }[(quota[2] ?? 'B').toUpperCase() as 'B'];
  return {
    storageQuotaBytes: Math.round(Number(quota[1]) * unit),
    redisUrl: env.REDIS_URL || undefined,
    deleteGraceMs,
    home,
    databaseUrl: env.KRYONIX_DATABASE_URL || undefined,
    registryDatabase,
    modulesDir: abs(env.KRYONIX_MODULES_DIR || projectPath('sql', 'modules')),
    outputDir: abs(env.KRYONIX_OUTPUT_DIR || join(home, 'generated')),
    templatesDir: projectPath('provisioning'),
    baseDomain,
    masterKey: env.KRYONIX_MASTER_KEY || undefined,
    embeddedPort: port,
  };
}
