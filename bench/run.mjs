// Runs the benchmarks: `pnpm bench` runs every bench/<name>/run.ts, `pnpm bench ocr` only that one;
// arguments after the bench names are passed to them (`pnpm bench quality vd-sbb`).
// Each script prints its own figures and its baseline measured in the same run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'run.ts')))
  .map((d) => d.name)
  .sort();
// Bench names first; what follows them goes to each bench script (`pnpm bench quality vd-sbb`: only those scans).
const args = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const named = args.findIndex((a) => !all.includes(a));
const wanted = named === -1 ? args : args.slice(0, named);
const passed = named === -1 ? [] : args.slice(named);
if (wanted.length === 0 && passed.length > 0) {
  console.error(`Unknown benchmark(s): ${passed.join(', ')}. Available: ${all.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`\n=== bench/${name} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, name, 'run.ts'), ...passed], { stdio: 'inherit', cwd: here });
  if (r.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
