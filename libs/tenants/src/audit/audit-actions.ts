/**
 * The audit vocabulary: one name per use case, the same whichever door the call came
 * through (HTTP, the CLI in its own process, the CLI's local agent). A command that is
 * audited says which of these it is (see AuditedCommand).
 */
export const AUDIT_ACTIONS = {
  createTenant: 'tenant.create',
  repairTenant: 'tenant.repair',
  suspendTenant: 'tenant.suspend',
  resumeTenant: 'tenant.resume',
  deleteTenant: 'tenant.delete',
  undeleteTenant: 'tenant.undelete',
  purgeTenant: 'tenant.purge',
  changeModules: 'tenant.change_modules',
  rotateApiKey: 'tenant.rotate_key',
  rotateCredentials: 'tenant.rotate_credentials',
  /** The tenant role's password was shown (kryonix tenant connection-string / psql). */
  revealConnection: 'tenant.reveal_connection',
  setRateLimit: 'tenant.set_rate_limit',
  moveTenant: 'tenant.move',
  backupTenant: 'tenant.backup',
  restoreTenant: 'tenant.restore',
  cloneTenant: 'tenant.clone',
  exportTenant: 'tenant.export',
  /** A backup file sent to the control plane (POST /v1/backups). */
  uploadBackup: 'backup.upload',
  /** A backup file read out of the control plane (GET /v1/backups/:id/download). */
  downloadBackup: 'backup.download',
  migrateFleet: 'fleet.migrate',
  addServer: 'server.add',
  cordonServer: 'server.cordon',
  uncordonServer: 'server.uncordon',
  removeServer: 'server.remove',
  drainServer: 'server.drain',
  rebalance: 'fleet.rebalance',
  consoleSignIn: 'console.sign_in',
  consoleSignOut: 'console.sign_out',
  detectDrift: 'fleet.detect_drift',
  /** A call refused before it reached a use case (its body did not parse, say): details name the route. */
  rejected: 'request.rejected',
} as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[keyof typeof AUDIT_ACTIONS];

/** What an audited command tells the audit trail about itself. */
export interface AuditFacts {
  action: AuditAction;
  /** The tenant (or other target) it is about, when known before it runs. */
  target?: string;
  details?: Record<string, unknown>;
}

/** A command whose every execution from a door is written to the audit log. */
export interface AuditedCommand {
  readonly audit: AuditFacts;
}

export function isAudited(command: object): command is AuditedCommand {
  const audit = (command as Partial<AuditedCommand>).audit;
  return typeof audit === 'object' && audit !== null && typeof audit.action === 'string';
}

/** A target as the audit log keeps it: a string, at most 100 characters (request input is untrusted). */
export function auditTarget(value: unknown): string | undefined {
  return typeof value === 'string' ? value.slice(0, 100) : undefined;
}
