import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODULE_TABLES } from './modules';

/**
 * The SDK's tables and types are written out by hand from the module manifests
 * and SQL: these checks fail when a module changes and the SDK was not updated.
 */
const MODULES_DIR = join(__dirname, '../../../sql/modules');
const typesSource = readFileSync(join(__dirname, 'types.ts'), 'utf8');
const modulesSource = readFileSync(join(__dirname, 'modules.ts'), 'utf8');

function manifest(module: string): { tables: Record<string, { filterable: string[] }> } {
  return JSON.parse(readFileSync(join(MODULES_DIR, module, 'module.json'), 'utf8'));
}

/** Column names of each CREATE TABLE of the module's migrations, plus ADD COLUMNs. */
function sqlColumns(module: string): Record<string, string[]> {
  const tables: Record<string, string[]> = {};
  for (const file of readdirSync(join(MODULES_DIR, module)).filter((f) => f.endsWith('.sql.hbs')).sort()) {
    const sql = readFileSync(join(MODULES_DIR, module, file), 'utf8');
    for (const [, table, body] of sql.matchAll(/CREATE TABLE \{\{schema\}\}\.(\w+) \(([\s\S]*?)\n\);/g)) {
      tables[table] = [...body.matchAll(/^\s+([a-z_][a-z0-9_]*)\s+[A-Z]/gm)].map((m) => m[1]);
    }
    for (const [, table, column] of sql.matchAll(/ALTER TABLE \{\{schema\}\}\.(\w+)\s+ADD COLUMN (?:IF NOT EXISTS )?(\w+)/gi)) tables[table]?.push(column);
  }
  return tables;
}

/** Field names of an interface of types.ts. */
function interfaceFields(name: string): string[] {
  const body = new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`).exec(typesSource)?.[1];
  if (body === undefined) throw new Error(`types.ts has no interface ${name}`);
  return [...body.matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1]);
}

/** The row type name of a table, from modules.ts (`leads: Resource<Lead, …>`). */
function rowType(table: string): string {
  const name = new RegExp(`readonly ${table}: Resource<(\\w+),`).exec(modulesSource)?.[1];
  if (!name) throw new Error(`modules.ts has no resource ${table}`);
  return name;
}

const modules = readdirSync(MODULES_DIR).filter((m) => !m.startsWith('.')).sort();

it('has every module of sql/modules with exactly the tables of its manifest', () => {
  expect(Object.keys(MODULE_TABLES).sort()).toEqual(modules);
  for (const module of modules) expect([module, [...MODULE_TABLES[module as keyof typeof MODULE_TABLES]].sort()]).toEqual([module, Object.keys(manifest(module).tables).sort()]);
});

describe.each(modules)('types of module %s', (module) => {
  it('row types have exactly the SQL columns; filters the manifest filterable columns', () => {
    const columns = sqlColumns(module);
    for (const [table, { filterable }] of Object.entries(manifest(module).tables)) {
      const row = rowType(table);
      expect([table, interfaceFields(row)]).toEqual([table, columns[table]]);
      expect([table, interfaceFields(`${row}Create`).sort()]).toEqual([table, columns[table].filter((c) => c !== 'id' && c !== 'created_at').sort()]);
      const filters = new RegExp(`export type ${row}Filters = Filters<${row}, ([^>]*)>;`).exec(typesSource)?.[1];
      expect([table, filters?.split('|').map((f) => f.trim().replace(/'/g, ''))]).toEqual([table, filterable]);
    }
  });
});
