import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { z } from 'zod';
import { ConfigurationError, InvalidInput, UnknownModule, quoteIdent } from '@kryonix/domain';
import { LIST_PARAMETERS } from './list-syntax';

// No '_': schema names are <tenant id with - as _>_<module>, so a '_' in a module name could collide.
const MODULE_NAME = /^[a-z][a-z0-9]{0,30}$/;
const COLUMN_NAME = /^[a-z_][a-z0-9_]*$/;
const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.sql\.hbs$/;

const manifestSchema = z
  .object({
    name: z.string().regex(MODULE_NAME),
    title: z.string().min(1),
    description: z.string().optional(),
    dependencies: z.array(z.string().regex(MODULE_NAME)).default([]),
    tables: z.record(
      z.string().regex(COLUMN_NAME),
      z
        .object({
          primaryKey: z.string().regex(COLUMN_NAME).default('id'),
          filterable: z.array(z.string().regex(COLUMN_NAME)).default([]),
          // text columns that ?q= searches (case-insensitive, anywhere in the text)
          searchable: z.array(z.string().regex(COLUMN_NAME)).default([]),
          // the table's creation and last-change timestamps, where it has them (names differ between tables)
          createdAt: z.string().regex(COLUMN_NAME).optional(),
          updatedAt: z.string().regex(COLUMN_NAME).optional(),
        })
        .strict(),
    ),
  })
  .strict();

/** A table as the data plane exposes it. */
export interface ModuleTable {
  primaryKey: string;
  /** Columns a list can be filtered and ordered by: the manifest's, then createdAt and updatedAt (always filterable). */
  filterable: string[];
  /** Text columns ?q= searches. */
  searchable: string[];
  /** The creation timestamp: lists are newest first by it (else in primary-key order). */
  createdAt?: string;
  /** The last-change timestamp: set by every update through the data plane. */
  updatedAt?: string;
}

export interface ModuleMigration {
  /** The module it belongs to. */
  module: string;
  version: number;
  name: string;
  file: string;
  checksum: string;
  render: (schema: string) => string;
}

export interface ModuleDefinition {
  name: string;
  title: string;
  description?: string;
  /** The module's version is its highest migration number. */
  version: number;
  dependencies: string[];
  tables: Record<string, ModuleTable>;
  migrations: ModuleMigration[];
  /** Hash over every migration's checksum: identifies what a tenant at this version has. */
  checksum: string;
}

/** How often a long-running process looks whether the modules folder changed (a look is a few stat calls). */
const RECHECK_MS = 500;

/**
 * The SQL modules of sql/modules/<module>/: a manifest (module.json) and NNNN_name.sql.hbs
 * migrations. A running process never serves a stale catalog: before it is used (at most
 * every RECHECK_MS) the folder's files are stat'ed, and when any was added, removed or
 * changed the catalog is read again. A folder that no longer loads fails the call with its
 * ConfigurationError (503 / exit 2), and is read again on the next one.
 */
export class ModuleCatalog {
  private checkedAt = Date.now();

  private constructor(
    private modules: ReadonlyMap<string, ModuleDefinition>,
    private readonly dir: string,
    private signature: string,
  ) {}

  static async load(dir: string): Promise<ModuleCatalog> {
    const signature = folderSignature(dir);
    return new ModuleCatalog(readCatalog(dir), dir, signature);
  }

  /** Reads the folder again when its files changed since the last look. */
  private fresh(): void {
    const now = Date.now();
    if (now - this.checkedAt < RECHECK_MS) return;
    this.checkedAt = now;
    const signature = folderSignature(this.dir);
    if (signature === this.signature) return;
    this.modules = readCatalog(this.dir);
    this.signature = signature;
  }

  names(): string[] {
    this.fresh();
    return [...this.modules.keys()];
  }

  list(): ModuleDefinition[] {
    this.fresh();
    return [...this.modules.values()];
  }

  get(name: string): ModuleDefinition {
    this.fresh();
    const m = this.modules.get(name);
    if (!m) throw new UnknownModule([name], this.names());
    return m;
  }

  /**
   * Validates a requested module list ("crm,whatsapp" or an array) and returns it
   * in dependency order. Every dependency must be requested too.
   */
  resolve(requested: unknown): ModuleDefinition[] {
    this.fresh();
    const list = typeof requested === 'string' ? requested.split(',') : requested;
    if (!Array.isArray(list) || list.some((m) => typeof m !== 'string')) {
      throw new InvalidInput(`Modules must be a list of module names; known modules are: ${this.names().join(', ')}.`, { field: 'modules' });
    }
    const names = [...new Set((list as string[]).map((m) => m.trim()).filter((m) => m.length > 0))];
    if (names.length === 0) {
      throw new InvalidInput(`At least one module is required; known modules are: ${this.names().join(', ')}.`, { field: 'modules' });
    }
    const unknown = names.filter((n) => !this.modules.has(n));
    if (unknown.length) throw new UnknownModule(unknown, this.names());
    const chosen = new Set(names);
    for (const n of names) {
      const missing = this.get(n).dependencies.filter((d) => !chosen.has(d));
      if (missing.length) {
        throw new InvalidInput(`Module "${n}" requires ${missing.map((d) => `"${d}"`).join(', ')}; add it to the modules.`, { field: 'modules' });
      }
    }
    return this.order(names);
  }

  /** Topological order (dependencies first), ties broken by catalog order, so output is deterministic. */
  private order(names: string[]): ModuleDefinition[] {
    const result: ModuleDefinition[] = [];
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      const m = this.get(name);
      m.dependencies.forEach(visit);
      result.push(m);
    };
    this.names().filter((n) => names.includes(n)).forEach(visit);
    return result;
  }
}

/**
 * A migration must name its schema through the template (`{{schema}}.leads`): each tenant's
 * schema has a name of its own (`acme_crm` in schema mode), so `crm.leads` would work on
 * database-mode tenants only and break schema-mode ones (and drift). Refused with the file
 * and line. Comments and string literals are not looked at.
 */
function refuseLiteralSchema(text: string, module: string, file: string): void {
  const literal = new RegExp(`(^|[^\\w."])("?)${module}\\2\\s*\\.\\s*"?[a-z_]`, 'i');
  text.split('\n').forEach((line, i) => {
    const code = line.replace(/'(?:[^']|'')*'/g, "''").replace(/--.*$/, '');
    const m = literal.exec(code);
    if (m) {
      throw new ConfigurationError(
        `${file}:${i + 1}: names the schema "${module}" literally (${code.slice(m.index + m[1]!.length).trim().slice(0, 40)}); write {{schema}}.<table> instead: each tenant's schema has its own name.`,
        { file, line: i + 1 },
      );
    }
  });
}

function readCatalog(dir: string): Map<string, ModuleDefinition> {
  if (!existsSync(dir)) throw new ConfigurationError(`The modules folder ${dir} does not exist (set KRYONIX_MODULES_DIR).`);
  const modules = new Map<string, ModuleDefinition>();
  for (const name of moduleFolders(dir)) {
    const folder = join(dir, name);
    if (!existsSync(join(folder, 'module.json'))) continue;
    modules.set(name, loadModule(folder, name));
  }
  for (const m of modules.values()) {
    const missing = m.dependencies.filter((d) => !modules.has(d));
    if (missing.length) throw new ConfigurationError(`Module "${m.name}" depends on unknown module(s) ${missing.join(', ')}.`);
  }
  return modules;
}

/** The sub-folders of the modules folder, in catalog order (each may hold a module). */
function moduleFolders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b));
}

/** Every module file's name, size and modification time: what changes when a file is added, removed or edited. */
function folderSignature(dir: string): string {
  if (!existsSync(dir)) return '';
  const parts: string[] = [];
  for (const name of moduleFolders(dir)) {
    const folder = join(dir, name);
    for (const file of readdirSync(folder).sort()) {
      if (file !== 'module.json' && !MIGRATION_FILE.test(file)) continue;
      try {
        const s = statSync(join(folder, file));
        parts.push(`${name}/${file}:${s.size}:${s.mtimeMs}`);
      } catch {
        parts.push(`${name}/${file}:gone`);
      }
    }
  }
  return parts.join('|');
}

function loadModule(folder: string, dirName: string): ModuleDefinition {
  const parsed = manifestSchema.safeParse(JSON.parse(readFileSync(join(folder, 'module.json'), 'utf8')));
  if (!parsed.success) throw new ConfigurationError(`Invalid manifest ${join(folder, 'module.json')}: ${parsed.error.message}`);
  const manifest = parsed.data;
  if (manifest.name !== dirName) throw new ConfigurationError(`Manifest ${join(folder, 'module.json')} names "${manifest.name}" but lives in folder "${dirName}".`);
  const migrations: ModuleMigration[] = [];
  for (const file of readdirSync(folder).sort()) {
    const match = MIGRATION_FILE.exec(file);
    if (!match) continue;
    const text = readFileSync(join(folder, file), 'utf8');
    refuseLiteralSchema(text, manifest.name, join(folder, file));
    const template = Handlebars.compile(text, { noEscape: true, strict: true });
    migrations.push({
      module: manifest.name,
      version: Number(match[1]),
      name: match[2] ?? file,
      file: join(folder, file),
      checksum: createHash('sha256').update(text).digest('hex'),
      render: (schema: string) => template({ schema: quoteIdent(schema) }),
    });
  }
  if (migrations.length === 0) throw new ConfigurationError(`Module "${dirName}" has no migration files (NNNN_name.sql.hbs) in ${folder}.`);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new ConfigurationError(`Module "${dirName}": migrations must be numbered 0001, 0002, … without gaps (found ${m.file}).`);
  });
  const checksum = moduleChecksum(migrations);
  return {
    name: manifest.name,
    title: manifest.title,
    description: manifest.description,
    version: migrations.length,
    dependencies: manifest.dependencies,
    tables: Object.fromEntries(Object.entries(manifest.tables).map(([name, table]) => [name, exposedTable(table, `${join(folder, 'module.json')}: table "${name}"`)])),
    migrations,
    checksum,
  };
}

/** The manifest's table with createdAt and updatedAt among the filterable columns; refuses a filter named like a list parameter. */
function exposedTable(table: z.infer<typeof manifestSchema>['tables'][string], where: string): ModuleTable {
  const reserved = table.filterable.filter((c) => LIST_PARAMETERS.includes(c));
  if (reserved.length) throw new ConfigurationError(`${where}: a filterable column may not be named ${reserved.join(', ')} (the list's own parameters: ${LIST_PARAMETERS.join(', ')}).`);
  const filterable = [...new Set([...table.filterable, ...[table.createdAt, table.updatedAt].filter((c): c is string => c !== undefined)])];
  return { ...table, filterable, searchable: [...new Set(table.searchable)] };
}

/**
 * The module as it was at `version` (its first `version` migrations): what a tenant made
 * then has, e.g. to restore a backup taken at that version before migrating it on.
 */
export function moduleAtVersion(module: ModuleDefinition, version: number): ModuleDefinition {
  if (!Number.isInteger(version) || version < 1 || version > module.version) throw new Error(`Module "${module.name}" has versions 1 to ${module.version}, not ${version}.`);
  if (version === module.version) return module;
  const migrations = module.migrations.slice(0, version);
  return { ...module, version, migrations, checksum: moduleChecksum(migrations) };
}

/** A module version's checksum: over its migrations' checksums, in order. */
function moduleChecksum(migrations: readonly ModuleMigration[]): string {
  return createHash('sha256').update(migrations.map((m) => m.checksum).join(',')).digest('hex');
}
