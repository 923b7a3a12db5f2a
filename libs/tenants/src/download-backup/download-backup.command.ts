import type { Readable } from 'node:stream';
import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';

export interface BackupDownload {
  backupId: string;
  /** The file's name for the client (Content-Disposition). */
  fileName: string;
  bytes: number;
  /** The file's bytes, read as they are sent (never buffered whole). */
  stream: Readable;
}

/** A backup in KRYONIX_BACKUP_DIR, by its id, opened to be sent (audited: it is a tenant's data leaving). */
export class DownloadBackupCommand extends Command<BackupDownload> implements AuditedCommand {
  constructor(readonly backupId: string) {
    super();
  }

  get audit(): AuditFacts {
    const tenant = /^(.*)-\d{8}T\d{6}Z$/.exec(this.backupId)?.[1];
    return { action: AUDIT_ACTIONS.downloadBackup, target: auditTarget(tenant), details: { backup: auditTarget(this.backupId) } };
  }
}
