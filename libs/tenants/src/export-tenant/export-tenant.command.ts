import { Command } from '@nestjs/cqrs';
import type { ExportedTable } from '@kryonix/provisioning';
import { AUDIT_ACTIONS, AuditFacts, AuditedCommand, auditTarget } from '../audit/audit-actions';

export interface ExportTenantInput {
  id: string;
  /** `json` (JSON Lines) or `csv` (RFC 4180). */
  format: string;
  /** A directory to make, or a file ending in .zip; default `<id>-export-<UTC time>` in the current directory. */
  out?: string;
}

export interface ExportResult {
  tenant: string;
  format: 'json' | 'csv';
  /** The directory or .zip written. */
  out: string;
  snapshotAt: string;
  tables: Array<{ table: string; file: string; rows: number }>;
  rows: number;
  durationMs: number;
}

/** A tenant's rows as plain files (one per table, JSON Lines or CSV) and a README, from one snapshot: readable without Kryonix. */
export class ExportTenantCommand extends Command<ExportResult> implements AuditedCommand {
  constructor(
    readonly input: ExportTenantInput,
    /** A line of progress per table. */
    readonly onTable?: (table: ExportedTable) => void,
  ) {
    super();
  }

  get audit(): AuditFacts {
    return { action: AUDIT_ACTIONS.exportTenant, target: auditTarget(this.input.id), details: { format: this.input.format } };
  }
}
