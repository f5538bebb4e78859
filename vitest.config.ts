import { defineConfig } from 'vitest/config';

// One root config: tests sit next to the code they test, except those that need other stages to run,
// which sit in packages/integration/src/<package>/ (no stage package depends on another, not even in
// its tests). Cross-package imports resolve to the built `dist/` of each workspace package (the test
// scripts build first), exactly as a user sees them; @bookpipe/testkit, the shared test helpers, is
// TypeScript source that vitest transforms.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/*/**/*.test.ts', 'bench/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
