#!/usr/bin/env node
// Checked before anything is imported, so an old Node prints one clear line instead of a syntax error.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    'ai-gateway requires Node.js 22.12 or newer; this is ' + process.version + '. Install a current LTS (https://nodejs.org) and run it again.\n',
  );
  process.exit(1);
}
import('node:module')
  .then((m) => {
    if (m.enableCompileCache) m.enableCompileCache();
  })
  .catch(() => {})
  .then(() => import('../dist/cli.js'))
  .then((cli) => cli.main())
  .then((code) => {
    process.exitCode = code;
  });
