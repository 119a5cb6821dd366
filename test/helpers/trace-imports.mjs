// Preload (node --import) that records every module the process loads, written to
// $TRACE_IMPORTS_OUT at exit: resolved URLs. test/cli.test.ts maps dist chunks back to their
// modules (source maps) to check that --help and --version load no heavy library.
import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';

const loaded = new Set();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    loaded.add(result.url);
    return result;
  },
});
process.on('exit', () => {
  if (process.env.TRACE_IMPORTS_OUT) writeFileSync(process.env.TRACE_IMPORTS_OUT, JSON.stringify([...loaded]));
});
