import { defineConfig } from 'vitest/config';

// End-to-end suite on a real Docker engine, real Compose, real PostgreSQL and real Nginx.
// Files run one after another: they share one engine and its ports.
export default defineConfig({
  test: {
    include: ['test/**/*.e2e.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 900_000,
  },
});
