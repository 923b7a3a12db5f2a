// Builds libs/sdk into an installable package, @kryonix/sdk, in dist/sdk-package/ (or the
// folder given as the first argument): ESM and CommonJS bundles of the main entry (fetch
// only) and of ./node, their type declarations, package.json and README. What the SDK
// uses of @kryonix/domain (not published) is bundled in; the package has no dependencies.
//   node tools/build-sdk.mjs [out-dir]   then   cd dist/sdk-package && npm pack
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'libs/sdk/src');

export async function buildSdkPackage(out = join(root, 'dist/sdk-package')) {
  await rm(out, { recursive: true, force: true });
  await mkdir(join(out, 'dist'), { recursive: true });
  await Promise.all([bundles(out), declarations(out)]);
  await writeFile(join(out, 'package.json'), JSON.stringify(await manifest(), null, 2) + '\n');
  await cp(join(root, 'libs/sdk/README.md'), join(out, 'README.md'));
  return out;
}

/**
 * The modules the main entry re-exports (`export * from './x'` in index.ts). The Node entry
 * imports them from the main entry's file instead of carrying copies, so that there is one
 * KryonixApiError class (instanceof holds whichever entry an app imported it from).
 */
async function sharedModules() {
  const index = await readFile(join(src, 'index.ts'), 'utf8');
  return new Set([...index.matchAll(/^export \* from '\.\/([\w-]+)';$/gm)].map((m) => join(src, `${m[1]}.ts`)));
}

async function bundles(out) {
  const shared = await sharedModules();
  const common = {
    bundle: true,
    target: 'es2022',
    tsconfig: join(root, 'tsconfig.base.json'),
    logLevel: 'warning',
    legalComments: 'none',
  };
  const builds = [];
  for (const [format, ext] of [
    ['esm', '.mjs'],
    ['cjs', '.cjs'],
  ]) {
    // the main entry: no Node built-ins, so it runs in browsers and edge runtimes
    builds.push(build({ ...common, format, platform: 'neutral', mainFields: ['module', 'main'], entryPoints: { index: join(src, 'index.ts') }, outdir: join(out, 'dist'), outExtension: { '.js': ext } }));
    const mainEntry = {
      name: 'sdk-main-entry',
      setup(b) {
        b.onResolve({ filter: /^\.\/[\w-]+$/ }, (args) => {
          const target = join(args.resolveDir, `${args.path}.ts`);
          return shared.has(target) || target === join(src, 'index.ts') ? { path: `./index${ext}`, external: true } : undefined;
        });
      },
    };
    builds.push(build({ ...common, format, platform: 'node', target: 'node18', entryPoints: { node: join(src, 'node.ts') }, outdir: join(out, 'dist'), outExtension: { '.js': ext }, plugins: [mainEntry] }));
  }
  await Promise.all(builds);
}

/** .d.ts (CommonJS) and .d.mts (ESM, relative imports with their .mjs extension) beside the bundles. */
async function declarations(out) {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.base.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => fail([d]) });
  const options = { ...config.options, types: ['node'], declaration: true, emitDeclarationOnly: true, noEmit: false, isolatedModules: false, rootDir: undefined, outDir: undefined };
  const program = ts.createProgram([join(src, 'index.ts'), join(src, 'node.ts')], options);
  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length) fail(diagnostics);
  const files = [];
  const emitted = program.emit(undefined, (file, text, _bom, _onError, sources) => {
    const from = sources?.[0]?.fileName;
    if (!from || relative(src, from).startsWith('..')) return; // @kryonix/domain's own: bundled as code, not as types
    files.push({ name: basename(file), text });
  });
  if (emitted.diagnostics.length) fail(emitted.diagnostics);
  for (const { name, text } of files) {
    for (const { fileName: spec } of ts.preProcessFile(text, true, true).importedFiles) {
      // an app has the SDK and, in Node, @types/node: nothing else, @kryonix/domain least of all
      if (!spec.startsWith('./') && !spec.startsWith('node:')) throw new Error(`build-sdk: ${name} imports ${spec}, which an app that installs the SDK does not have`);
    }
    await writeFile(join(out, 'dist', name), text);
    const esm = text.replace(/(from\s+|import\(\s*)(['"])(\.\/[\w-]+)\2/g, '$1$2$3.mjs$2');
    await writeFile(join(out, 'dist', name.replace(/\.d\.ts$/, '.d.mts')), esm);
  }
}

function fail(diagnostics) {
  const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' };
  throw new Error(`build-sdk: type errors\n${ts.formatDiagnostics(diagnostics, host)}`);
}

async function manifest() {
  const repo = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  const entry = (name) => ({
    import: { types: `./dist/${name}.d.mts`, default: `./dist/${name}.mjs` },
    require: { types: `./dist/${name}.d.ts`, default: `./dist/${name}.cjs` },
  });
  return {
    name: '@kryonix/sdk',
    version: repo.version,
    description: 'Typed client of the Kryonix data plane API of one tenant (fetch; @kryonix/sdk/node for Node)',
    license: repo.license,
    sideEffects: false,
    engines: { node: '>=18' },
    main: './dist/index.cjs',
    module: './dist/index.mjs',
    types: './dist/index.d.ts',
    exports: { '.': entry('index'), './node': entry('node'), './package.json': './package.json' },
    // for TypeScript's older moduleResolution "node", which does not read exports
    typesVersions: { '*': { node: ['./dist/node.d.ts'] } },
    files: ['dist', 'README.md'],
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const out = await buildSdkPackage(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.error(`built ${relative(process.cwd(), out) || '.'} in ${Date.now() - started} ms`);
}
