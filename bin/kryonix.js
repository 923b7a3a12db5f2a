#!/usr/bin/env node
'use strict';
// The CLI is built to dist/ by `npm install` / `npm ci` (the prepare script) or `npm run build`.
// Node >= 22.1 caches V8's compiled code of the bundle between runs (a CLI's start-up is
// most of its life). The v8-compile-cache package would do it on Node 20, but it breaks
// dynamic import(), which the embedded PostgreSQL needs.
const { enableCompileCache } = require('node:module');
if (typeof enableCompileCache === 'function') enableCompileCache();
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
cli.run(process.argv).then(() => process.exit());
