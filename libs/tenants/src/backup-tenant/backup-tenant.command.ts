import { Command } from '@nestjs/cqrs';
import type { TableProgress } from '@kryonix/provisioning';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';

export interface BackupTenantInput {
  id: string;
  /** The file to write; default `<KRYONIX_BACKUP_DIR>/<id>-<UTC time>.kxbackup`. */
  out?: string;
  /** Encrypt under a key from this passphrase (scrypt) instead of the master key's. */
  passphrase?: string;
  /** Made by the schedule for this slot (ISO time): marked so in the header, and pruned to KRYONIX_BACKUP_KEEP. */
  scheduledFor?: string;
}

export interface BackupResult {
  /** The file's name without its extension: how the HTTP API names it in KRYONIX_BACKUP_DIR. */
  backupId: string;
  file: string;
  bytes: number;
  tenant: string;
  server: string;
  encryption: 'master-key' | 'passphrase';
  createdAt: string;
  modules: Record<string, number>;
  tables: Array<{ table: string; rows: number; sha256: string }>;
  rows: number;
  durationMs: number;
}

/** One tenant's rows, from one snapshot, into one compressed and encrypted file (0600). */
export class BackupTenantCommand extends Command<BackupResult> implements AuditedCommand {
  constructor(
    readonly input: BackupTenantInput,
    /** A line of progress per table. */
    readonly onTable?: (progress: TableProgress) => void,
  ) {
    super();
  }

  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.backupTenant, target: auditTarget(this.input.id), details: { encryption: this.input.passphrase === undefined ? 'master-key' : 'passphrase' } };
  }
}
