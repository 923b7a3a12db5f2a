import type { FileHandle } from 'node:fs/promises';
import { Command } from '@nestjs/cqrs';
import type { StepEvent, TableProgress } from '@kryonix/provisioning';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';
import type { CreatedTenant } from '../disclosure';

export interface RestoreTenantInput {
  /** The backup file (a path here; the HTTP API names backups by id in KRYONIX_BACKUP_DIR). */
  file: string;
  /** The file already open (a backup by id, opened once without following a link): read instead of opening `file` again. */
  handle?: FileHandle;
  /** The new tenant's id (default: the backup's, when it is free). */
  as?: string;
  mode?: string;
  server?: string;
  passphrase?: string;
  /**
   * Restore over this existing tenant (active or suspended): beside it, then swapped in;
   * same id, role and API keys; the replaced copy kept without access for KRYONIX_DELETE_GRACE.
   * The backup must be of this tenant (another tenant's backup is refused).
   */
  replace?: string;
}

export type RestoredTenant = CreatedTenant & {
  restoredFrom: { tenant: string; createdAt: string; server: string; modules: Record<string, number> };
  tables: number;
  rows: number;
  /** With `replace`: where the replaced copy is kept, and for how long. */
  replaced?: Record<string, unknown>;
};

/** A new tenant from a backup file: provisioned at the backup's module versions, loaded, checked, migrated, activated. */
export class RestoreTenantCommand extends Command<RestoredTenant> implements AuditedCommand {
  constructor(
    readonly input: RestoreTenantInput,
    readonly onStep?: (event: StepEvent) => void,
    readonly onTable?: (progress: TableProgress) => void,
    /** The durable job running this restore: written in its log, so the job's retry can tell a half-made tenant is its own. */
    readonly jobId?: string,
  ) {
    super();
  }

  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.restoreTenant, target: auditTarget(this.input.replace ?? this.input.as), details: { encryption: this.input.passphrase === undefined ? 'master-key' : 'passphrase', ...(this.input.replace !== undefined ? { replace: true } : {}) } };
  }
}
