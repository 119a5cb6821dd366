#!/usr/bin/env node
// Only builtins that every supported and unsupported Node has, as whole modules (a named import
// missing on an old Node would fail at link time, before the version check can speak).
import * as fs from 'node:fs';
import * as nodeModule from 'node:module';
import * as url from 'node:url';

// Checked before dist/ is imported, so an old Node prints one clear line instead of a syntax error.
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
  const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(pkg.version + '\n');
} else {
  // A reader that has gone (`ai-gateway setup --help | head -1`) ends the run quietly, as a closed
  // pipe ends any Unix tool; every other stream error is still thrown.
  const quietOnClosedPipe = (error) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  };
  process.stdout.on('error', quietOnClosedPipe);
  process.stderr.on('error', quietOnClosedPipe);
  // Node caches compiled code between runs (in the OS temp directory).
  nodeModule.enableCompileCache?.();
  import('../dist/cli.js').then(
    (cli) =>
      cli.main().then((code) => {
        process.exitCode = code;
      }),
    (error) => {
      // A clone before `npm install` (whose prepare script builds dist/), or a build cut short:
      // one line naming the fix, not a stack trace.
      const dist = new URL('../dist/', import.meta.url);
      if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.url).startsWith(dist.href)) throw error;
      const root = url.fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
      process.stderr.write(`ai-gateway: dist/ is missing; run \`npm install\` (or \`npm run build\`) in ${root}\n`);
      process.exitCode = 1;
    },
  );
}
