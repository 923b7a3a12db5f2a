import { performance } from 'node:perf_hooks';
import { tenantSchemaName } from '@kryonix/domain';
import type { TenantRecord } from '@kryonix/registry';
import type { TenantServer } from '../tenant-servers';
import { CANONICAL_SETTINGS, type ColumnInfo, TenantDataRepository } from '../tenant-data.repository';
import { openExportSink } from './export-sinks';

export type ExportFormat = 'json' | 'csv';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['json', 'csv'];

export interface ExportedTable {
  /** `<module>.<table>` */
  table: string;
  file: string;
  rows: number;
  columns: ColumnInfo[];
  durationMs: number;
}

/**
 * A tenant's rows for people and other software (data portability): one file per table,
 * JSON Lines or CSV, plus a README.md naming every table, its columns and their types,
 * all from one REPEATABLE READ snapshot, streamed table by table into a directory or a .zip.
 */
export class TenantExports {
  async write(tenant: TenantRecord, server: TenantServer, format: ExportFormat, out: string, onTable?: (t: ExportedTable) => void): Promise<{ tables: ExportedTable[]; snapshotAt: string }> {
    const moduleOf = new Map(tenant.modules.map((m) => [tenantSchemaName(tenant.id, tenant.mode, m), m]));
    const sink = await openExportSink(out);
    try {
      const result = await new TenantDataRepository(server.connector).snapshot(tenant.databaseName, async (tx) => {
        const snapshotAt = new Date().toISOString();
        const shapes = (await tx.tables([...moduleOf.keys()])).map((s) => ({ ...s, module: moduleOf.get(s.schema)! })).sort((a, b) => `${a.module}.${a.table}`.localeCompare(`${b.module}.${b.table}`));
        const tables: ExportedTable[] = [];
        for (const shape of shapes) {
          const started = performance.now();
          const columns = await tx.columns(shape.schema, shape.table);
          const name = `${shape.module}.${shape.table}`;
          const file = `${name}.${format === 'json' ? 'jsonl' : 'csv'}`;
          await tx.preferOrderedScan(shape); // primary-key order, by the cheaper plan (as a backup reads)
          const rows = format === 'json' ? tx.jsonLines(shape, columns) : tx.csv({ ...shape, columns: columns.map((c) => c.name) });
          await sink.add(file, format === 'json' ? rows : crlf(rows));
          const done = { table: name, file, rows: rows.rows, columns, durationMs: performance.now() - started };
          tables.push(done);
          onTable?.(done);
        }
        return { tables, snapshotAt };
      });
      await sink.add('README.md', (async function* () {
        yield Buffer.from(exportReadme(tenant, format, result.snapshotAt, result.tables));
      })());
      await sink.finish();
      return result;
    } catch (error) {
      await sink.abort();
      throw error;
    }
  }
}

/** COPY's CSV ends records in LF; RFC 4180 wants CRLF. LFs inside quoted fields stay as they are. */
async function* crlf(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let quoted = false;
  for await (const chunk of chunks) {
    const parts: Buffer[] = [];
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === 0x22) quoted = !quoted;
      else if (byte === 0x0a && !quoted) {
        parts.push(chunk.subarray(from, i), CRLF);
        from = i + 1;
      }
    }
    parts.push(chunk.subarray(from));
    yield Buffer.concat(parts);
  }
}
const CRLF = Buffer.from('\r\n');

/** The README of an export: what it is and how to read it without Kryonix. */
export function exportReadme(tenant: Pick<TenantRecord, 'id' | 'name'>, format: ExportFormat, snapshotAt: string, tables: readonly ExportedTable[]): string {
  const lines = [
    `# Data of ${tenant.name} (${tenant.id})`,
    '',
    `Exported by Kryonix from one consistent snapshot taken at ${snapshotAt}: every file holds its table as of that moment.`,
    `One file per table, rows in primary-key order. Text is UTF-8. Times are in UTC; dates and times in ISO 8601 form (\`2024-02-29 23:59:59.123456+00\`).`,
    '',
    '## Format',
    '',
    ...(format === 'json'
      ? [
          '`<module>.<table>.jsonl`: JSON Lines (https://jsonlines.org): one JSON object per line (LF), one line per row, its keys the column names in column order.',
          '',
          '- SQL NULL is `null`.',
          '- `boolean` is `true`/`false`; `smallint`, `integer`, `real` and `double precision` are JSON numbers (except the floating-point values `NaN`, `Infinity`, `-Infinity`: strings);',
          '- `json` and `jsonb` columns hold the JSON value itself;',
          '- arrays are JSON arrays whose elements follow these same rules;',
          '- every other type is a string holding PostgreSQL\'s text form of the value: `numeric` and `bigint` too (a JSON number would lose digits in many readers), `uuid`, dates and times, `interval`, `bytea` (hex: `\\x00ff…`).',
        ]
      : [
          '`<module>.<table>.csv`: CSV as RFC 4180 defines it: records end in CRLF, fields are separated by commas, a field holding a comma, a double quote, CR or LF is enclosed in double quotes and its double quotes doubled; the first record is a header with the column names.',
          '',
          '- **SQL NULL is an empty field without quotes** (`a,,b`); **an empty string is `""`** (`a,"",b`), so the two can be told apart.',
          '- Every value is PostgreSQL\'s text form: `t`/`f` for `boolean`; arrays as `{a,b,"c d",NULL}`; `json`/`jsonb` as JSON text; `bytea` in hex (`\\x00ff…`).',
        ]),
    '',
    '## Tables',
    '',
    '| table | file | rows |',
    '| --- | --- | ---: |',
    ...tables.map((t) => `| ${t.table} | ${t.file} | ${t.rows} |`),
    '',
    ...tables.flatMap((t) => [`### ${t.table}`, '', '| column | type | NULL allowed |', '| --- | --- | --- |', ...t.columns.map((c) => `| ${c.name} | ${c.type} | ${c.nullable ? 'yes' : 'no'} |`), '']),
    `Values were read under these PostgreSQL settings: ${Object.entries(CANONICAL_SETTINGS).map(([k, v]) => `${k}=${v}`).join(', ')}.`,
    '',
  ];
  return lines.join('\n');
}
