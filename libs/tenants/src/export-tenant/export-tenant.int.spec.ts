import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tenantDatabaseName, tenantSchemaName } from '@kryonix/domain';
import { CANONICAL_SETTINGS } from '@kryonix/provisioning';
import { TestCore, TestEnv, createTestEnv, fill, modulesWithFixture, on } from '@kryonix/testing';
import { DeleteTenantCommand } from '../delete-tenant/delete-tenant.command';
import { ExportTenantCommand } from './export-tenant.command';

/**
 * Exports read back without Kryonix: JSON Lines with JSON.parse, CSV with the RFC 4180
 * parser below, both compared with every column's text form as PostgreSQL gives it, in
 * both modes, to a directory and to a .zip (unzip), for every type the modules and the
 * fixture module have (unicode, NULLs, jsonb, numeric, dates and times, arrays, bytea).
 */
const MODULES = ['crm', 'whatsapp', 'agendamento', 'financeiro', 'fixture'];
let env: TestEnv;
let rt: TestCore;
let modulesDir: string;
let outDir: string;

beforeAll(async () => {
  modulesDir = modulesWithFixture('ex');
  outDir = mkdtempSync(join(tmpdir(), 'kryonix-ex-out-'));
  env = await createTestEnv('ex');
  rt = await env.open({ KRYONIX_MODULES_DIR: modulesDir });
  await rt.provisioner.create({ id: 'ex-db', name: 'Exportadora Ltda', modules: MODULES, mode: 'database', server: 'default' });
  await rt.provisioner.create({ id: 'ex-sc', name: 'Esquema Ltda', modules: MODULES, mode: 'schema', server: 'default' });
  await fill('ex-db', 'database', MODULES);
  await fill('ex-sc', 'schema', MODULES);
}, 300_000);
afterAll(async () => {
  await rt?.close();
  await env?.cleanup();
  rmSync(modulesDir, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
});

interface Column {
  name: string;
  udt: string;
}
/** Per table: its columns, and each row's values as PostgreSQL's text form (`t`) and, for arrays, as text[] (`a`). */
type Expected = Record<string, { columns: Column[]; rows: Array<{ t: Array<string | null>; a: Array<unknown> }> }>;

async function expected(id: string, mode: 'database' | 'schema'): Promise<Expected> {
  const out: Expected = {};
  await on(tenantDatabaseName(id, mode), async (c) => {
    await c.query(Object.entries(CANONICAL_SETTINGS).map(([k, v]) => `SET ${k} = '${v}'`).join('; '));
    for (const module of MODULES) {
      const schema = tenantSchemaName(id, mode, module);
      const { rows: tables } = await c.query<{ table: string }>(`SELECT relname AS table FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind = 'r' ORDER BY 1`, [schema]);
      for (const { table } of tables) {
        const { rows: columns } = await c.query<Column>(`SELECT a.attname AS name, t.typname AS udt FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, [`"${schema}"."${table}"`]);
        // the output form (COPY's, and a value's in an array): boolean is t/f there, true/false as ::text
        const text = (col: Column) => (col.udt === 'bool' ? `(CASE WHEN "${col.name}" THEN 't' WHEN NOT "${col.name}" THEN 'f' END)` : `"${col.name}"::text`);
        const select = columns.map((col, i) => `${text(col)} AS t${i}, ${col.udt.startsWith('_') ? `"${col.name}"::text[]` : 'NULL'} AS a${i}`).join(', ');
        const { rows } = await c.query(`SELECT ${select} FROM "${schema}"."${table}"`);
        out[`${module}.${table}`] = { columns, rows: rows.map((r) => ({ t: columns.map((_, i) => r[`t${i}`]), a: columns.map((_, i) => r[`a${i}`]) })) };
      }
    }
  });
  return out;
}

/** RFC 4180: CRLF between records, "…" quoting with "" for a quote. An unquoted empty field is null (the export's NULL), a quoted one "". */
function parseCsv(text: string): Array<Array<string | null>> {
  const records: Array<Array<string | null>> = [];
  let record: Array<string | null> = [];
  let i = 0;
  for (;;) {
    let field: string | null;
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quoted field');
        value += text.slice(i, q);
        if (text[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      field = value;
    } else {
      let end = i;
      while (end < text.length && text[end] !== ',' && text[end] !== '\r') {
        if (text[end] === '\n' || text[end] === '"') throw new Error(`bare ${JSON.stringify(text[end])} in an unquoted field at ${end}`);
        end++;
      }
      field = end === i ? null : text.slice(i, end);
      i = end;
    }
    record.push(field);
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text.startsWith('\r\n', i)) {
      records.push(record);
      record = [];
      i += 2;
      if (i === text.length) return records;
      continue;
    }
    throw new Error(`expected , or CRLF at ${i}, found ${JSON.stringify(text.slice(i, i + 10))}`);
  }
}

const NUMBER = new Set(['int2', 'int4', 'float4', 'float8']);
/** A JSON value against PostgreSQL's text form, by the README's rules. */
function jsonMatches(col: Column, value: unknown, text: string | null, array: unknown): void {
  if (text === null) return void expect(value).toBeNull();
  if (col.udt === 'json' || col.udt === 'jsonb') return void expect(value).toEqual(JSON.parse(text));
  if (col.udt === 'bool') return void expect(value).toBe(text === 't');
  if (NUMBER.has(col.udt)) return void (typeof value === 'string' ? expect(value).toBe(text) : expect(value).toBe(Number(text)));
  if (col.udt.startsWith('_')) {
    const element = col.udt.slice(1);
    const arr = array as Array<string | null>;
    if (NUMBER.has(element)) return void expect(value).toEqual(arr.map((x) => (x === null ? null : Number(x))));
    if (element === 'bool') return void expect(value).toEqual(arr.map((x) => (x === null ? null : x === 't')));
    return void expect(value).toEqual(arr);
  }
  expect(value).toBe(text);
}

/** The export's files: from the directory, or unzipped with the system's unzip. */
function files(out: string): Record<string, string> {
  let dir = out;
  if (out.endsWith('.zip')) {
    dir = mkdtempSync(join(outDir, 'unzipped-'));
    execFileSync('unzip', ['-q', out, '-d', dir]);
  }
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

const exportOf = (id: string, format: string, out: string) => rt.commands.execute(new ExportTenantCommand({ id, format, out }));

describe.each([
  ['database', 'ex-db', 'dir'],
  ['schema', 'ex-sc', 'zip'],
  ['database', 'ex-db', 'zip'],
  ['schema', 'ex-sc', 'dir'],
] as const)('export of a %s-mode tenant (%s) into a %s', (mode, id, kind) => {
  let want: Expected;
  beforeAll(async () => {
    want = await expected(id, mode);
  });

  it.each(['json', 'csv'] as const)('as %s: one file per table equal to its rows, a README of tables and column types, 0600', async (format) => {
    const out = join(outDir, `${id}-${format}${kind === 'zip' ? '.zip' : ''}`);
    const result = await exportOf(id, format, out);
    expect(result.tables.map((t) => t.table)).toEqual(Object.keys(want).sort());
    if (kind === 'zip') {
      expect(statSync(out).mode & 0o777).toBe(0o600);
      expect(execFileSync('unzip', ['-Z', out], { encoding: 'utf8' })).toMatch(/-rw-------/);
      expect(execFileSync('unzip', ['-Z', out], { encoding: 'utf8' })).not.toMatch(/-rw-r/);
    } else {
      expect(statSync(out).mode & 0o777).toBe(0o700);
      for (const f of readdirSync(out)) expect(statSync(join(out, f)).mode & 0o777).toBe(0o600);
    }
    expect(readdirSync(outDir).filter((f) => f.includes('.partial-'))).toEqual([]);
    const got = files(out);
    expect(Object.keys(got).sort()).toEqual(['README.md', ...result.tables.map((t) => t.file)].sort());
    for (const [table, { columns, rows }] of Object.entries(want)) {
      const file = got[`${table}.${format === 'json' ? 'jsonl' : 'csv'}`]!;
      const readme = got['README.md']!;
      expect(readme).toContain(`| ${table} | ${table}.${format === 'json' ? 'jsonl' : 'csv'} | ${rows.length} |`);
      expect(rows.length).toBeGreaterThanOrEqual(12);
      if (format === 'json') {
        const lines = file.split('\n');
        expect(lines.pop()).toBe('');
        const objects = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
        expect(objects).toHaveLength(rows.length);
        // keys in column order; rows matched by their first column's text form (every table's primary key leads)
        const byKey = new Map(rows.map((r) => [r.t[0], r]));
        for (const o of objects) {
          expect(Object.keys(o)).toEqual(columns.map((c) => c.name));
          const row = byKey.get(String(o[columns[0]!.name]));
          expect(row).toBeDefined();
          columns.forEach((col, i) => jsonMatches(col, o[col.name], row!.t[i]!, row!.a[i]));
        }
      } else {
        const [header, ...records] = parseCsv(file);
        expect(header).toEqual(columns.map((c) => c.name));
        const sort = (x: Array<Array<string | null>>) => [...x].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
        expect(sort(records)).toEqual(sort(rows.map((r) => r.t)));
      }
    }
  }, 120_000);
});

describe('export', () => {
  it('tells NULL from an empty string in CSV, and keeps numeric digits and jsonb in JSON', async () => {
    await on(tenantDatabaseName('ex-db', 'database'), (c) => c.query(`INSERT INTO fixture.chaves (grupo, ordem, valor) VALUES ('vazio', 1, ''), ('nulo', 1, NULL), ('linha', 1, E'a\\r\\nb,"c"')`));
    const csv = join(outDir, 'nulls');
    await exportOf('ex-db', 'csv', csv);
    const text = readFileSync(join(csv, 'fixture.chaves.csv'), 'utf8');
    expect(text).toContain('vazio,1,""\r\n');
    expect(text).toContain('nulo,1,\r\n');
    expect(text).toContain('linha,1,"a\r\nb,""c"""\r\n');
    const json = join(outDir, 'digits');
    await exportOf('ex-db', 'json', json);
    const amostras = readFileSync(join(json, 'fixture.amostras.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(amostras[1].medidas).toEqual(['3.000000', '-0.000001', '99999999999999.999999']);
    expect(amostras[1].dados).toEqual({ n: 3, txt: 'ünï "q" \\ x', arr: [1, null, 'a'], vazio: {} });
    expect(amostras[1].etiquetas).toEqual(['ä2', null, 'com,vírgula', 'aspas"x', '{chave}']);
  });

  it('refuses an unknown format and an output that exists, leaving nothing', async () => {
    await expect(exportOf('ex-db', 'xml', join(outDir, 'x'))).rejects.toThrow('allowed: json, csv');
    expect(existsSync(join(outDir, 'x'))).toBe(false);
    mkdirSync(join(outDir, 'taken'));
    await expect(exportOf('ex-db', 'csv', join(outDir, 'taken'))).rejects.toThrow('exists already');
    expect(readdirSync(join(outDir, 'taken'))).toEqual([]);
  });

  it('exports a tenant in its deletion grace period', async () => {
    await rt.provisioner.create({ id: 'ex-gone', name: 'Saindo Ltda', modules: ['crm'], mode: 'database', server: 'default' });
    await on(tenantDatabaseName('ex-gone', 'database'), (c) => c.query(`INSERT INTO crm.leads (nome) SELECT 'Lead ' || g FROM generate_series(1, 5) g`));
    await rt.commands.execute(new DeleteTenantCommand('ex-gone', false));
    const out = join(outDir, 'gone.zip');
    const result = await exportOf('ex-gone', 'json', out);
    expect(result.tables.find((t) => t.table === 'crm.leads')?.rows).toBe(5);
    expect(files(out)['crm.leads.jsonl']!.trim().split('\n').map((l) => JSON.parse(l).nome).sort()).toEqual(['Lead 1', 'Lead 2', 'Lead 3', 'Lead 4', 'Lead 5']);
  });
});
