import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The SDK runs in browsers and edge runtimes: its code imports nothing but itself and @kryonix/domain, which imports nothing. */
const sources = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts')).map((f) => join(dir, f));
const imports = (file: string) => [...readFileSync(file, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'([^']+)'|require\(\s*'([^']+)'\s*\)|import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2] ?? m[3]);

it('the SDK imports only its own files and @kryonix/domain', () => {
  for (const file of sources(__dirname)) {
    for (const spec of imports(file)) expect([file, spec]).toEqual([file, spec.startsWith('./') ? spec : '@kryonix/domain']);
  }
});

it('@kryonix/domain imports only its own files', () => {
  for (const file of sources(join(__dirname, '../../domain/src'))) {
    for (const spec of imports(file)) expect([file, spec.startsWith('./')]).toEqual([file, true]);
  }
});
