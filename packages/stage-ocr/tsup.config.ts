import { defineConfig } from 'tsup';

export default defineConfig({
  // worker.ts is its own entry: piscina loads dist/worker.js in each worker thread.
  entry: ['src/index.ts', 'src/worker.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: true,
  target: 'node22',
});
