import { defineConfig } from 'vitest/config';

// Unit and integration tests: no Docker needed. The real-engine suite lives in vitest.e2e.config.ts.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/*.e2e.test.ts'],
    restoreMocks: true,
    testTimeout: 20_000,
  },
});
