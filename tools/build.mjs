// Builds the apps into dist/ with esbuild. TypeScript files go through SWC first
// because NestJS needs decorator metadata, which esbuild does not emit.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { transform } from '@swc/core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const swcOptions = JSON.parse(await readFile(resolve(root, '.swcrc'), 'utf8'));

const swcPlugin = {
  name: 'swc-decorators',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const out = await transform(source, {
        ...swcOptions,
        filename: args.path,
        sourceMaps: 'inline',
        module: { type: 'es6' },
        jsc: { ...swcOptions.jsc, target: 'es2022' },
      });
      return { contents: out.code, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

const started = Date.now();
await build({
  entryPoints: { cli: resolve(root, 'apps/cli/src/main.ts') },
  outdir: resolve(root, 'dist'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  // Our code is bundled; dependencies stay in node_modules.
  packages: 'external',
  tsconfig: resolve(root, 'tsconfig.base.json'),
  plugins: [swcPlugin],
  logLevel: 'warning',
});
console.error(`built dist/ in ${Date.now() - started} ms`);
