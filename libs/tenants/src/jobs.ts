/** Kinds of durable jobs and their payloads (no secrets in payloads). */
export const JOB_KINDS = {
  createTenant: 'create_tenant',
  changeModules: 'change_modules',
  purgeTenant: 'purge_tenant',
  migrateFleet: 'migrate_fleet',
  moveTenant: 'move_tenant',
  scheduledBackup: 'scheduled_backup',
  backupTenant: 'backup_tenant',
  restoreTenant: 'restore_tenant',
  cloneTenant: 'clone_tenant',
  drainServer: 'drain_server',
  rebalance: 'rebalance',
  detectDrift: 'detect_drift',
  /** PURGE_REPLACED_COPY_JOB of @kryonix/provisioning: queued by a replace, due after KRYONIX_DELETE_GRACE. */
  purgeReplacedCopy: 'purge_replaced_copy',
} as const;

export interface CreateTenantPayload {
  id: string;
  name: string;
  modules: string[];
  mode: string;
}
export interface ChangeModulesPayload {
  id: string;
  modules: string[];
  purge: boolean;
}
export interface PurgeTenantPayload {
  id: string;
  /** The tenant the purge was queued for: a newer tenant with the same id is left alone. */
  createdAt?: string;
}
export interface MoveTenantPayload {
  id: string;
  to: string;
  attempts: number;
}
export interface ScheduledBackupPayload {
  id: string;
  /** The scheduled time (ISO) this backup is for: with the tenant, the job's unique key. */
  scheduledFor: string;
}

/** A passphrase travels in a payload only sealed (SecretBox, bound to the job's id): see sealPassphrase. */
export interface BackupTenantPayload {
  id: string;
  passphraseEnc?: string;
}
export interface RestoreTenantPayload {
  /** A backup id in KRYONIX_BACKUP_DIR, never a path. */
  backup: string;
  /** The new tenant's id; absent with `replace`. */
  as?: string;
  /** The existing tenant restored over (its own backup only): same id, role and API keys. */
  replace?: string;
  mode?: string;
  server?: string;
  passphraseEnc?: string;
}
export interface CloneTenantPayload {
  source: string;
  id: string;
  name?: string;
  mode?: string;
  server?: string;
}

/** The SecretBox context of a job's sealed passphrase. */
export const passphraseContext = (jobId: string) => `job:${jobId}:passphrase`;

export interface DrainServerPayload {
  name: string;
  concurrency: number;
}
export interface RebalancePayload {
  concurrency: number;
}
