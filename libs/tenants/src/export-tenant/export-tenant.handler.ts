import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { InvalidInput } from '@kryonix/domain';
import { EXPORT_FORMATS, type ExportFormat, TenantExports, TenantOperations } from '@kryonix/provisioning';
import { ExportResult, ExportTenantCommand } from './export-tenant.command';

@CommandHandler(ExportTenantCommand)
export class ExportTenantHandler implements ICommandHandler<ExportTenantCommand, ExportResult> {
  constructor(
    private readonly operations: TenantOperations,
    private readonly exports: TenantExports,
  ) {}

  async execute({ input, onTable }: ExportTenantCommand): Promise<ExportResult> {
    const format = input.format as ExportFormat;
    if (!EXPORT_FORMATS.includes(format)) throw new InvalidInput(`Unknown export format ${JSON.stringify(input.format)}; allowed: ${EXPORT_FORMATS.join(', ')}.`, { field: 'format' });
    const started = performance.now();
    // under the tenant's lock (its modules cannot change meanwhile); also in its deletion grace period: data portability before it goes
    return this.operations.run(input.id, 'export', ['active', 'suspended', 'deleting'], async (_admin, tenant, server) => {
      // not in KRYONIX_BACKUP_DIR: that folder is the backups' (listed and pruned); an export is handed to someone
      const out = resolve(input.out ?? `${tenant.id}-export-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`);
      const { tables, snapshotAt } = await this.exports.write(tenant, server, format, out, onTable);
      return {
        tenant: tenant.id,
        format,
        out,
        snapshotAt,
        tables: tables.map((t) => ({ table: t.table, file: t.file, rows: t.rows })),
        rows: tables.reduce((n, t) => n + t.rows, 0),
        durationMs: performance.now() - started,
      };
    });
  }
}
