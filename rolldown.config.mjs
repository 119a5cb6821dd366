// dist/ is one bundle (plus lazily loaded chunks): Node resolves and compiles a handful of files
// instead of ~300 modules, which is most of a CLI's cold start. Types are checked by `tsc` separately.
import { defineConfig } from 'rolldown';

export default defineConfig({
  input: { cli: 'src/cli.ts' },
  platform: 'node',
  output: {
    dir: 'dist',
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: 'chunks/[name]-[hash].js',
    cleanDir: true,
    // Maps let the import-weight test (test/cli.test.ts) see which modules each chunk holds.
    sourcemap: true,
  },
});
