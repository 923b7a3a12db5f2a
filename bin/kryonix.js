#!/usr/bin/env node
'use strict';
// The CLI is built to dist/ by `npm install` / `npm ci` (the prepare script) or `npm run build`:
// dist/cli.js (commands, output, the control-plane client) and dist/cli-core.js (the
// in-process core, loaded only by commands that run here).
//
// A CLI's start-up is most of its life, and much of the start-up is V8 compiling the
// bundles. So the files of dist/ are compiled through vm.Script with V8's code cache: a
// run that found no cache stores the compiled code (with every function the command ran)
// in dist/.code-cache/, one cache per command and file, keyed by the file's size and
// mtime and the Node version; later runs skip parsing and compiling. Node >= 22.1 has
// module.enableCompileCache(); this also serves Node 20. A problem with the cache
// (unwritable folder, data V8 rejects) only costs the speed-up. KRYONIX_CODE_CACHE=off
// disables it.
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const vm = require('node:vm');

const distDir = path.join(__dirname, '..', 'dist');
const enabled = process.env.KRYONIX_CODE_CACHE !== 'off';
const cacheDir = process.env.KRYONIX_CODE_CACHE_DIR ? path.resolve(process.env.KRYONIX_CODE_CACHE_DIR) : path.join(distDir, '.code-cache');
// One cache per command (`tenant-create`, `tenant-list`, …): each holds the functions its command runs.
const words = process.argv.slice(2).filter((a, i, all) => !a.startsWith('-') && !/^--(api|token)$/.test(all[i - 1] || ''));
const command = words.slice(0, 2).filter((a) => /^[a-z][a-z-]{0,20}$/.test(a)).join('-') || 'none';
const compiled = [];

// The bundle's content hash from dist/build-id.json (written by the build); without it,
// size and mtime. V8 itself only checks a cached script's length.
let buildIds;
function contentId(filename) {
  if (buildIds === undefined) {
    try {
      buildIds = JSON.parse(fs.readFileSync(path.join(distDir, 'build-id.json'), 'utf8'));
    } catch {
      buildIds = {};
    }
  }
  const id = buildIds[path.basename(filename)];
  if (typeof id === 'string' && /^[0-9a-f]{16}$/.test(id)) return id;
  const stat = fs.statSync(filename);
  return `${stat.size}-${Math.trunc(stat.mtimeMs)}`;
}

const originalCompile = Module.prototype._compile;
Module.prototype._compile = function compileWithCodeCache(content, filename) {
  if (!enabled || path.dirname(filename) !== distDir) return originalCompile.call(this, content, filename);
  const base = path.basename(filename, '.js');
  const key = `${base}-${process.version}-${process.arch}-${contentId(filename)}`;
  const cacheFile = path.join(cacheDir, `${key}-${command}.bin`);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(content), { filename, cachedData, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
  compiled.push({ script, cacheFile, base, key, fresh: !cachedData || script.cachedDataRejected });
  const dirname = path.dirname(filename);
  return script.runInThisContext().call(this.exports, this.exports, Module.createRequire(filename), this, filename, dirname);
};

function saveCodeCaches() {
  for (const { script, cacheFile, base, key, fresh } of compiled) {
    if (!fresh) continue;
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
      // Caches of earlier builds or Node versions of this file are of no further use.
      for (const name of fs.readdirSync(cacheDir)) {
        if (name.startsWith(`${base}-v`) && !name.startsWith(`${key}-`) && name.endsWith('.bin')) fs.rmSync(path.join(cacheDir, name), { force: true });
      }
    } catch {
      // read-only install or full disk: run without the cache
    }
  }
}

// Output piped into a reader that stops early (`kryonix tenant list | head`): exit quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error && error.code === 'EPIPE') process.exit(process.exitCode || 0);
    throw error;
  });
}

let cli;
try {
  cli = require('../dist/cli.js');
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && /dist[\\/]cli\.js/.test(error.message)) {
    process.stderr.write('kryonix: the CLI is not built yet; run `npm run build` (or `npm ci`) in the repository root.\n');
    process.exit(1);
  }
  throw error;
}
// Exit as soon as the command is done: idle keep-alive sockets and pool timers would
// otherwise hold a finished CLI for tens of milliseconds (stdout is synchronous on Linux).
// A cache holds the functions its run compiled, and is written once: only a command that
// succeeded writes it, so a first run that failed early (bad input, say) does not leave
// later runs of that command compiling most of their code without it.
cli.run(process.argv).then(() => {
  if (!process.exitCode) saveCodeCaches();
  process.exit();
});
