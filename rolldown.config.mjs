// dist/ is one bundle (plus lazily loaded chunks): Node resolves and compiles a handful of files
// instead of ~300 modules, which is most of a CLI's cold start. Types are checked by `tsc` separately.
//
// Chunks: cli.js holds commander, the command definitions and what --help needs; every command
// that runs then loads `runtime` (context, files, zod, the .env settings) and, when it talks to
// LiteLLM, `litellm` (and undici, loaded on the first request: src/core/http.ts), plus its own
// handler. Fewer, larger chunks: each module file Node loads
// costs ~0.5 ms of resolving, linking and evaluating (measured: -6 ms for key create and models).
//
// Format: CommonJS. Node gives every built-in module imported from ESM a facade (its exports
// copied, lazy getters such as fs.ReadStream run): ~7 ms for the dozen builtins --help needs, ~20 ms
// for setup's, against ~2 ms through require (measured with hyperfine, 2026-12-06). The source stays
// ESM; dist/package.json (emitted below) tells Node that dist/ is CommonJS.
import { defineConfig } from 'rolldown';

/** dist/package.json: `type: commonjs` for the bundle inside a `type: module` package. */
const commonjsMarker = {
  name: 'commonjs-marker',
  generateBundle() {
    this.emitFile({ type: 'asset', fileName: 'package.json', source: '{ "type": "commonjs" }\n' });
  },
};

export default defineConfig({
  input: { cli: 'src/cli.ts' },
  platform: 'node',
  plugins: [commonjsMarker],
  output: {
    dir: 'dist',
    format: 'cjs',
    entryFileNames: '[name].js',
    chunkFileNames: 'chunks/[name]-[hash].js',
    cleanDir: true,
    // Maps: stack traces from a user's report point at src/.
    sourcemap: true,
    codeSplitting: {
      // Only the modules named here join a group; what they import stays where it was.
      includeDependenciesRecursively: false,
      groups: [
        {
          name: 'runtime',
          test: /src\/core\/(context|files|random|prompts|crypto|lock|clock|platform|schema|http)\.ts$|src\/gateway\/(settings|layout|env-file|providers)\.ts$|src\/docker\/client\.ts$|node_modules\/(zod|dotenv)\/|^\0?rolldown[:/]runtime/,
        },
        { name: 'litellm', test: /src\/litellm\/[\w-]+\.ts$|src\/commands\/(key|shared)\/(shared|connection-options)\.ts$/ },
      ],
    },
  },
});
