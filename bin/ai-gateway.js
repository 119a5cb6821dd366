#!/usr/bin/env node
// CommonJS (bin/package.json): it runs on any Node, so an old one gets the one-line message below
// instead of a syntax error, and requiring the CommonJS bundle in dist/ costs less than importing it.
'use strict';

// Checked before dist/ is loaded.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    'ai-gateway requires Node.js 22.12 or newer; this is ' + process.version + '. Install a current LTS (https://nodejs.org) and run it again.\n',
  );
  process.exit(1);
}

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  // Answered here: scripts probe for the tool with --version, so it should cost what `node` costs.
  process.stdout.write(require('../package.json').version + '\n');
} else {
  // (A reader that has gone ends the run quietly: src/cli.ts, where the streams are made.)
  // Node caches compiled code between runs (in the OS temp directory): here, the loader's.
  require('node:module').enableCompileCache?.();
  const path = require('node:path');
  const dist = path.join(__dirname, '..', 'dist');
  let cli;
  try {
    // The bundle is loaded with code caches made after each command ran (src/core/load-dist.ts).
    const { loadDist, codeCacheDir, cacheVariant } = require(path.join(dist, 'load-dist.js'));
    cli = loadDist(path.join(dist, 'cli.js'), { cacheDir: codeCacheDir(process.env), variant: cacheVariant(args) });
  } catch (error) {
    // A clone before `npm install` (whose prepare script builds dist/), or a build cut short:
    // one line naming the fix, not a stack trace.
    const missing = error?.code === 'MODULE_NOT_FOUND' || error?.code === 'ENOENT';
    if (!missing || !String(error.message).includes(dist + path.sep)) throw error;
    process.stderr.write(`ai-gateway: dist/ is missing; run \`npm install\` (or \`npm run build\`) in ${path.dirname(__dirname)}\n`);
    process.exitCode = 1;
  }
  cli?.main().then((code) => {
    process.exitCode = code;
  });
}
