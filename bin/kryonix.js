#!/usr/bin/env node
'use strict';
// The CLI is built to dist/ by `npm install` / `npm ci` (the prepare script) or `npm run build`.
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
cli.run(process.argv);
