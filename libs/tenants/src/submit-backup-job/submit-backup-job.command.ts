import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';
import type { JobView } from '../get-job/get-job.query';

/** Fields as the HTTP body has them (checked by the handler); a passphrase is never audited nor kept plain. */
export type BackupJobRequest =
  | { kind: 'backup_tenant'; id: string; passphrase?: string }
  | { kind: 'restore_tenant'; backup: string; as?: string; replace?: string; mode?: string; server?: string; passphrase?: string }
  | { kind: 'clone_tenant'; source: string; id: string; name?: string; mode?: string; server?: string };

/**
 * A backup, a restore (of a backup named by its id in KRYONIX_BACKUP_DIR; as a new tenant,
 * or with `replace` over the tenant the backup is of) or a clone,
 * checked now (refusals are 4xx, nothing queued) and queued as a durable job.
 */
export class SubmitBackupJobCommand extends Command<JobView> implements AuditedCommand {
  constructor(readonly request: BackupJobRequest) {
    super();
  }

  get audit(): AuditFacts {
    const r = this.request;
    if (r.kind === 'backup_tenant') return { action: AUDIT_ACTIONS.backupTenant, target: auditTarget(r.id), details: { async: true, encryption: r.passphrase === undefined ? 'master-key' : 'passphrase' } };
    if (r.kind === 'restore_tenant') return { action: AUDIT_ACTIONS.restoreTenant, target: auditTarget(r.replace ?? r.as), details: { async: true, backup: auditTarget(r.backup), encryption: r.passphrase === undefined ? 'master-key' : 'passphrase', ...(r.replace !== undefined ? { replace: true } : {}) } };
    return { action: AUDIT_ACTIONS.cloneTenant, target: auditTarget(r.id), details: { async: true, source: auditTarget(r.source) } };
  }
}
