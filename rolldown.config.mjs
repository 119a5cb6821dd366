// dist/ is one bundle (plus lazily loaded chunks): Node resolves and compiles a handful of files
// instead of ~300 modules, which is most of a CLI's cold start. Types are checked by `tsc` separately.
//
// Chunks: cli.js holds commander, the command definitions and what --help needs; every command
// that runs then loads `runtime` (context, files, zod, the .env settings) and, when it talks to
// LiteLLM, `litellm`, plus its own handler. Fewer, larger chunks: each module file Node loads
// costs ~0.5 ms of resolving, linking and evaluating (measured: -6 ms for key create and models).
import { defineConfig } from 'rolldown';

/**
 * Node builtins through `process.getBuiltinModule` instead of `import`.
 *
 * An ESM `import … from "node:http"` makes Node build the module's ESM facade, which reads every
 * export, lazy getters included: node:http's load undici (fetch, WebSocket), node:fs's load the
 * stream classes, node:crypto's load WebCrypto. That was ~100 ms of every command's start.
 * `getBuiltinModule` returns the CommonJS object, and destructuring reads only the names we use.
 * Builtins need no live bindings, so a const is equivalent. test/cli.test.ts checks that no
 * static builtin import is left in dist/.
 *
 * A whole-module import of node:child_process (commander's, for `git`-style subcommand binaries
 * we never use) becomes a proxy that loads the module when a property is first read: loading it
 * costs ~13 ms, and only docker-facing commands spawn anything.
 */
export function builtinsWithoutFacades() {
  const IMPORT = /^import\s+(?:([\w$]+)\s*,\s*)?(?:\*\s+as\s+([\w$]+)|\{([^}]*)\}|([\w$]+))?\s*(?:from\s*)?"(node:[\w/]+)";$/gm;
  const load = (id) => `globalThis.process.getBuiltinModule(${JSON.stringify(id)})`;
  const LOAD_ON_FIRST_USE = new Set(['node:child_process']);
  const loadOnFirstUse = (id) => `new Proxy({}, { get: (_, name) => ${load(id)}[name] })`;
  return {
    name: 'builtins-without-facades',
    renderChunk(code) {
      const rewritten = code.replace(IMPORT, (_all, defaultAndMore, namespace, named, single, id) => {
        const whole = defaultAndMore ?? namespace ?? single;
        const statements = [];
        if (whole) statements.push(`const ${whole} = ${LOAD_ON_FIRST_USE.has(id) && named === undefined ? loadOnFirstUse(id) : load(id)};`);
        if (named !== undefined) {
          const bindings = named
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
            .map((s) => s.replace(/^([\w$]+)\s+as\s+([\w$]+)$/, '$1: $2'));
          statements.push(`const { ${bindings.join(', ')} } = ${whole ?? load(id)};`);
        }
        if (statements.length === 0) statements.push(`${load(id)};`);
        return statements.join(' '); // one line: the sourcemap's line numbers stay right
      });
      return rewritten === code ? null : { code: rewritten, map: null };
    },
  };
}

export default defineConfig({
  input: { cli: 'src/cli.ts' },
  platform: 'node',
  plugins: [builtinsWithoutFacades()],
  output: {
    dir: 'dist',
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: 'chunks/[name]-[hash].js',
    cleanDir: true,
    // Maps let the import-weight test (test/cli.test.ts) see which modules each chunk holds.
    sourcemap: true,
    codeSplitting: {
      // Only the modules named here join a group; what they import stays where it was.
      includeDependenciesRecursively: false,
      groups: [
        {
          name: 'runtime',
          test: /src\/core\/(context|files|fs-async|random|prompts|crypto|lock|clock|platform|schema|http)\.ts$|src\/gateway\/(settings|layout|env-file|providers)\.ts$|src\/docker\/client\.ts$|node_modules\/(zod|dotenv)\/|^\0?rolldown[:/]runtime/,
        },
        { name: 'litellm', test: /src\/litellm\/[\w-]+\.ts$|src\/commands\/(key|shared)\/(shared|connection-options)\.ts$/ },
      ],
    },
  },
});
