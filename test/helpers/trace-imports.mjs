// Preload (node --import) that records every module the process loads, written to
// $TRACE_IMPORTS_OUT at exit: resolved URLs, plus Node's internal modules as "builtin:<id>".
// Used to prove that commands stay light.
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
  if (process.env.TRACE_IMPORTS_OUT) writeFileSync(process.env.TRACE_IMPORTS_OUT, JSON.stringify([...loaded, ...process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => `builtin:${m.slice(13)}`)]));
});
