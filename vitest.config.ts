import { defineConfig } from 'vitest/config';

// One root config: tests sit next to the code they test. Cross-package imports resolve to the
// built `dist/` of each workspace package (the test scripts build first), exactly as a user sees them.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/*/**/*.test.ts', 'bench/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
