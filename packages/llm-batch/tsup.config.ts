import { defineConfig } from 'tsup';

export default defineConfig({
  // Two public entry points: the client and the loopback fake provider for tests.
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node22',
});
