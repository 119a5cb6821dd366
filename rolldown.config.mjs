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
import { readFileSync } from 'node:fs';
import { defineConfig } from 'rolldown';

// The version is built in: every command would otherwise look for package.json and parse it (~1.5 ms).
const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

/** dist/package.json: `type: commonjs` for the bundle inside a `type: module` package. */
const commonjsMarker = {
  name: 'commonjs-marker',
  generateBundle() {
    this.emitFile({ type: 'asset', fileName: 'package.json', source: '{ "type": "commonjs" }\n' });
  },
};

/**
 * commander imports node:child_process at the top for executable subcommands (`git-style` commands
 * run as separate files), which this CLI does not have; loading it costs every run ~1 ms. It is
 * required when first used instead. The build fails if commander's import ever changes.
 */
const lazyChildProcessInCommander = {
  name: 'lazy-child-process-in-commander',
  transform(code, id) {
    if (!/node_modules[\\/]commander[\\/]lib[\\/]command\.js$/.test(id)) return null;
    const eager = "import childProcess from 'node:child_process';";
    if (!code.includes(eager)) this.error(`commander's ${id} no longer has "${eager}": update rolldown.config.mjs`);
    // Same line count: the source map's positions still hold (map: null keeps them).
    return { code: code.replace(eager, "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };"), map: null };
  },
};

export default defineConfig([{
  input: { cli: 'src/cli.ts' },
  platform: 'node',
  plugins: [commonjsMarker, lazyChildProcessInCommander],
  transform: { define: { __AI_GATEWAY_VERSION__: JSON.stringify(version) } },
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
},
/**
 * dist/load-dist.js: the loader bin/ai-gateway.js requires first, which then loads cli.js and the
 * chunks with code caches (src/core/load-dist.ts). A build of its own, so it shares no chunk with
 * the bundle it loads. Built after the bundle (whose cleanDir would otherwise remove it).
 */
{
  input: { 'load-dist': 'src/core/load-dist.ts' },
  platform: 'node',
  output: { dir: 'dist', format: 'cjs', entryFileNames: '[name].js', sourcemap: true },
}]);
