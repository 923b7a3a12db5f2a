import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..');

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files(path, out);
    else if (/\.(ts|js|mjs)$/.test(name)) out.push(path);
  }
  return out;
}

it('the tests need nothing outside the repository (no ../shared): only the benchmarks may read the baseline peer there', () => {
  const offenders = [...files(join(ROOT, 'apps')), ...files(join(ROOT, 'libs')), join(ROOT, 'jest.config.js'), ...files(join(ROOT, 'tools')).filter((f) => !f.includes(`${join('tools', 'bench')}`))]
    .filter((f) => f !== __filename)
    .filter((f) => /['"`]\.\.['"`],\s*['"`]shared['"`]|\.\.\/shared\//.test(readFileSync(f, 'utf8')))
    .map((f) => relative(ROOT, f));
  expect(offenders).toEqual([]);
});
