import { defineConfig } from 'vitest/config';

// `rnr-source` makes `import 'rnr'` (the examples, the fixtures) resolve to src/ rather than dist/,
// so the tests run the code as it is now, without a build. Users need no such config.
export default defineConfig({
  resolve: { conditions: ['rnr-source', 'module', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['rnr-source', 'node', 'default'] } },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Starts nothing by itself: PostgreSQL starts when a test file first asks for a database.
    globalSetup: ['test/fixtures/postgres/global-setup.ts'],
  },
});
