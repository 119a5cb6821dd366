import { defineConfig } from 'vitest/config';

// Unit and integration tests: no Docker needed. The real-engine suite lives in vitest.e2e.config.ts.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/*.e2e.test.ts'],
    restoreMocks: true,
    // The default host ports are held busy for the whole run (test/helpers/busy-default-ports.ts).
    globalSetup: ['test/helpers/busy-default-ports.ts'],
    testTimeout: 20_000,
  },
});
