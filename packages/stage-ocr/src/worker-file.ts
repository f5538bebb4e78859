import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The piscina worker script, `worker.js` beside the built `index.js` (a separate tsup entry). When this
 * package runs from its TypeScript sources (its own tests), the script is `worker.ts`, run through tsx.
 */
export function workerScript(): { filename: string; execArgv: string[] } {
  const js = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return { filename: js.href, execArgv: [] };
  const ts = new URL('./worker.ts', import.meta.url);
  if (existsSync(fileURLToPath(ts))) return { filename: ts.href, execArgv: ['--import', 'tsx'] };
  throw new Error(`@bookpipe/stage-ocr: its worker script ${fileURLToPath(js)} is missing. Rebuild or reinstall the package.`);
}
