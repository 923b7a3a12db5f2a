import type { Readable } from 'node:stream';
import { Command } from '@nestjs/cqrs';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand } from '../audit/audit-actions';

export interface UploadedBackup {
  /** How the restore names it: `POST /v1/restores {"backup": …}`. */
  backupId: string;
  bytes: number;
  sha256: string;
  tenant: string;
  createdAt: string;
  encryption: 'master-key' | 'passphrase';
  /** The same file was in the folder already (uploaded before): nothing new was kept. */
  existing: boolean;
}

/**
 * A backup file received as a stream into KRYONIX_BACKUP_DIR (at most
 * KRYONIX_BACKUP_UPLOAD_MAX bytes), read to its end to check it (every chunk
 * authenticated, every table's checksum), and kept as `<tenant>-<UTC time of the
 * backup>`; a file that is not a whole, readable backup is refused and nothing is kept.
 */
export class UploadBackupCommand extends Command<UploadedBackup> implements AuditedCommand {
  constructor(
    readonly body: Readable,
    /** For a backup made with --passphrase-file. */
    readonly passphrase?: string,
    /** The request's Content-Length, when it gave one: over the limit, refused before reading. */
    readonly declaredBytes?: number,
  ) {
    super();
  }

  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.uploadBackup, details: { encryption: this.passphrase === undefined ? 'master-key' : 'passphrase' } };
  }
}
