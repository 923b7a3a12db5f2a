import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The SDK's main entry (index.ts) runs in browsers and edge runtimes: what it reaches
 * imports nothing but the SDK's own files and @kryonix/domain, which imports nothing.
 * Only the Node entry (node.ts and its node-*.ts) uses Node's built-ins.
 */
const sources = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts')).map((f) => join(dir, f));
const imports = (file: string) => [...readFileSync(file, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'([^']+)'|require\(\s*'([^']+)'\s*\)|import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
const isNodeEntry = (file: string) => /[\\/]node(-[\w-]+)?\.ts$/.test(file);

/** The files index.ts reaches, following its relative imports. */
function reachable(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of imports(file)) if (spec.startsWith('./')) visit(join(__dirname, `${spec.slice(2)}.ts`));
  };
  visit(entry);
  return [...seen].sort();
}

it('the main entry reaches only its own files and @kryonix/domain, never the Node entry', () => {
  const files = reachable(join(__dirname, 'index.ts'));
  expect(files.length).toBeGreaterThanOrEqual(8);
  for (const file of files) {
    expect([file, isNodeEntry(file)]).toEqual([file, false]);
    for (const spec of imports(file)) expect([file, spec]).toEqual([file, spec.startsWith('./') ? spec : '@kryonix/domain']);
  }
});

it('the Node entry uses only the SDK, Node built-ins (node:…) and @kryonix/domain through the SDK', () => {
  const nodeFiles = sources(__dirname).filter(isNodeEntry);
  expect(nodeFiles.map((f) => f.slice(__dirname.length + 1)).sort()).toEqual(['node-fetch.ts', 'node.ts']);
  for (const file of nodeFiles) {
    for (const spec of imports(file)) expect([file, spec.startsWith('./') || spec.startsWith('node:')]).toEqual([file, true]);
  }
});

it('@kryonix/domain imports only its own files', () => {
  for (const file of sources(join(__dirname, '../../domain/src'))) {
    for (const spec of imports(file)) expect([file, spec.startsWith('./')]).toEqual([file, true]);
  }
});
