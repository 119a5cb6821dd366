#!/usr/bin/env node
// Checked before anything is imported, so an old Node prints one clear line instead of a syntax error.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    'ai-gateway requires Node.js 22.12 or newer; this is ' + process.version + '. Install a current LTS (https://nodejs.org) and run it again.\n',
  );
  process.exit(1);
}

// Builtins through getBuiltinModule, not import(): an ESM import of node:fs evaluates all of its
// lazy exports (the stream classes), a cost the bundle avoids too (rolldown.config.mjs).
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  // Answered here: scripts probe for the tool with --version, so it should cost what `node` costs.
  const fs = process.getBuiltinModule('node:fs');
  const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(pkg.version + '\n');
} else {
  // Node caches compiled code between runs (in the OS temp directory).
  process.getBuiltinModule('node:module').enableCompileCache?.();
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
      const root = process.getBuiltinModule('node:path').dirname(process.getBuiltinModule('node:url').fileURLToPath(dist));
      process.stderr.write(`ai-gateway: dist/ is missing; run \`npm install\` (or \`npm run build\`) in ${root}\n`);
      process.exitCode = 1;
    },
  );
}
