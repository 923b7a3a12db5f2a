import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

let cached: string | undefined;

/** The repository root (where sql/ and provisioning/ live), found from this file's location. */
export function projectRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'kryonix') {
      return (cached = dir);
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Cannot find the Kryonix project root (package.json named "kryonix")');
    dir = parent;
  }
}

export function projectPath(...parts: string[]): string {
  return resolve(projectRoot(), ...parts);
}
