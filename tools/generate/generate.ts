import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ModuleCatalog } from '@kryonix/modules';
import { renderControlPlaneOpenApi } from './control-plane-openapi';
import { renderDataPlaneOpenApi } from './data-plane-openapi';
import { readModuleTables } from './module-tables';
import { renderReadmeSettings } from './readme-settings';
import { withScratchDatabase } from './scratch-database';
import { renderSdkModules } from './sdk-modules';
import { renderSdkTypes } from './sdk-types';

/** A generated file: its path from the repository root and its whole content. */
export interface GeneratedFile {
  path: string;
  content: string;
}

export interface GenerateOptions {
  /** The repository root. */
  root: string;
  /** Admin URL of a PostgreSQL server to make the scratch database on; unset: an embedded one is started. */
  databaseUrl?: string;
}

/** Every generated file of the repository, made from sql/modules (through a scratch database), the control plane's schemas and the settings. */
export async function generateFiles({ root, databaseUrl }: GenerateOptions): Promise<GeneratedFile[]> {
  const catalog = await ModuleCatalog.load(join(root, 'sql', 'modules'));
  const modules = await withScratchDatabase(databaseUrl, (client) => readModuleTables(client, catalog));
  return [
    { path: 'libs/sdk/src/types.ts', content: renderSdkTypes(modules) },
    { path: 'libs/sdk/src/modules.ts', content: renderSdkModules(modules) },
    { path: 'docs/openapi/data-plane.json', content: renderDataPlaneOpenApi(modules) },
    { path: 'docs/openapi/control-plane.json', content: await renderControlPlaneOpenApi(catalog) },
    { path: 'README.md', content: renderReadmeSettings(await readFile(join(root, 'README.md'), 'utf8')) },
  ];
}

/** The files whose committed content differs from the generated one (or that are missing). */
export async function staleFiles(root: string, files: GeneratedFile[]): Promise<string[]> {
  const stale: string[] = [];
  for (const file of files) {
    const path = join(root, file.path);
    if (!existsSync(path) || (await readFile(path, 'utf8')) !== file.content) stale.push(file.path);
  }
  return stale;
}

/** Writes the files that changed; returns their paths. */
export async function writeFiles(root: string, files: GeneratedFile[]): Promise<string[]> {
  const changed = await staleFiles(root, files);
  for (const file of files.filter((f) => changed.includes(f.path))) {
    await mkdir(dirname(join(root, file.path)), { recursive: true });
    await writeFile(join(root, file.path), file.content);
  }
  return changed;
}
