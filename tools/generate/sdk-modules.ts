import type { ModuleFacts } from './module-tables';
import { GENERATED_NOTICE } from './sdk-types';
import { moduleTypeName, rowTypeNames } from './type-names';

/** libs/sdk/src/modules.ts: one interface per module (a Resource per table), the table lists, and the accessors KryonixSDK inherits. */
export function renderSdkModules(modules: ModuleFacts[]): string {
  const names = rowTypeNames(modules);
  const rowOf = (module: string, table: string) => names.get(`${module}.${table}`)!;
  const typeImports = modules.flatMap((m) => m.tables.flatMap((t) => ['', 'Create', 'Filters', 'Update'].map((suffix) => `${rowOf(m.name, t.name)}${suffix}`)));
  const out = [
    `// ${GENERATED_NOTICE}`,
    `import type { HttpClient } from './http';`,
    `import { Resource } from './resource';`,
    `import type {`,
    ...typeImports.map((n) => `  ${n},`),
    `} from './types';`,
    '',
  ];
  for (const m of modules) {
    out.push(`/** kryonix.${m.name}: the tables of the ${m.name} module (${m.title}). */`, `export interface ${moduleTypeName(m.name)} {`);
    for (const t of m.tables) {
      const row = rowOf(m.name, t.name);
      out.push(`  readonly ${t.name}: Resource<${row}, ${row}Filters, ${row}Create, ${row}Update>;`);
    }
    out.push('}', '');
  }
  out.push(
    `export type ModuleName = ${modules.map((m) => `'${m.name}'`).join(' | ')};`,
    '',
    '/** The modules and their tables, as the module manifests (sql/modules/<module>/module.json) list them. */',
    `export const MODULE_TABLES: { readonly [M in ModuleName]: ReadonlyArray<keyof KryonixModules[M]> } = Object.freeze({`,
    ...modules.map((m) => `  ${m.name}: Object.freeze([${m.tables.map((t) => `'${t.name}'`).join(', ')}] as const),`),
    '});',
    '',
    '/** One Resource per table of the module. */',
    'export function moduleResources<M>(http: HttpClient, module: ModuleName): M {',
    '  const resources: Record<string, Resource<unknown>> = {};',
    '  for (const table of MODULE_TABLES[module]) resources[table] = new Resource(http, module, table);',
    '  return Object.freeze(resources) as M;',
    '}',
    '',
    '/** One property per module: KryonixSDK extends this, so a new module needs no edit of the client. */',
    'export abstract class KryonixModules {',
    ...modules.map((m) => `  readonly ${m.name}: ${moduleTypeName(m.name)};`),
    '',
    '  protected constructor(http: HttpClient) {',
    ...modules.map((m) => `    this.${m.name} = moduleResources<${moduleTypeName(m.name)}>(http, '${m.name}');`),
    '  }',
    '}',
    '',
  );
  return out.join('\n');
}
