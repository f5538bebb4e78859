import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { evalFile, hasEval, noteSkip, repoRoot, tempDir } from '@bookpipe/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_PIXELS } from './pixel-budget.js';
import type { SourcePageMetrics } from './source-metrics.js';

noteSkip('source-stage (slow)');

const pdf = (name: string) => evalFile('ocrmypdf-resources', name);
const probe = join(repoRoot, 'packages/source/test-programs/memory-probe.ts');
/** Peak RSS allowed for one ingest: mupdf's WASM heap at a 67 Mpx page plus Node and sharp. */
const RSS_CEILING_MIB = 1536;

interface ProbeResult {
  stats: { pagesProcessed: number; pagesFailed: number; failures: Array<{ page: number; error: string }> };
  metrics: Record<string, SourcePageMetrics>;
  maxRssMiB: number;
}

async function ingestInChild(root: string, scanId: string, inputs: string[], options: object = {}): Promise<ProbeResult> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', probe, root, scanId, JSON.stringify(options), ...inputs], {
    cwd: repoRoot,
    maxBuffer: 16 * 1024 * 1024,
    timeout: 240_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ProbeResult;
}

describe.skipIf(!hasEval)('SourceStage on the oversized PDFs (child process, peak RSS measured)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => tmp.remove());

  it('enormous.pdf (30 x 30 in, a 9000 x 9000 RGB image) is downsampled into the budget at ~273 DPI', { timeout: 300_000 }, async () => {
    const result = await ingestInChild(join(tmp.dir, 'scans'), 'enormous', [pdf('enormous.pdf')]);
    expect(result.stats).toMatchObject({ pagesProcessed: 1, pagesFailed: 0 });
    const page = result.metrics['1']!;
    expect(page.downsampled).toBe(true);
    expect(page.width * page.height).toBeLessThanOrEqual(DEFAULT_MAX_PIXELS);
    expect(page.width).toBe(page.height);
    expect(page.dpi!).toBeGreaterThan(270);
    expect(page.dpi!).toBeLessThan(275);
    console.log(`enormous.pdf: ${page.width} x ${page.height} at ${page.dpi} DPI, peak RSS ${result.maxRssMiB.toFixed(0)} MiB`);
    expect(result.maxRssMiB).toBeLessThan(RSS_CEILING_MIB);
  });

  it('hugemono.pdf (35000 x 35000 px at 300 DPI) and 2400dpi.pdf: one refused, one rendered, memory stays low', { timeout: 300_000 }, async () => {
    const result = await ingestInChild(join(tmp.dir, 'scans'), 'huge', [pdf('hugemono.pdf'), pdf('2400dpi.pdf')]);
    expect(result.stats.pagesProcessed).toBe(1);
    expect(result.stats.failures).toEqual([{ page: 1, error: expect.stringContaining('over the input limit of 268.4 Mpx'), code: 'INPUT_INVALID' }]);
    expect(result.metrics['2']).toMatchObject({ width: 500, height: 358, dpi: 300, downsampled: false });
    console.log(`hugemono.pdf + 2400dpi.pdf: peak RSS ${result.maxRssMiB.toFixed(0)} MiB`);
    // Refused before decoding: no 1.2 GB raster was ever allocated.
    expect(result.maxRssMiB).toBeLessThan(600);
  });

  it('hugemono.pdf with the input limit raised is rendered within the budget (at ~70 DPI), never out of memory', { timeout: 300_000 }, async () => {
    const result = await ingestInChild(join(tmp.dir, 'scans'), 'huge-allowed', [pdf('hugemono.pdf')], { maxInputPixels: 2 ** 31 });
    expect(result.stats).toMatchObject({ pagesProcessed: 1, pagesFailed: 0 });
    const page = result.metrics['1']!;
    expect(page.width * page.height).toBeLessThanOrEqual(DEFAULT_MAX_PIXELS);
    expect(page.dpi!).toBeGreaterThan(69);
    expect(page.dpi!).toBeLessThan(71);
    console.log(`hugemono.pdf (limit raised): ${page.width} x ${page.height} at ${page.dpi} DPI, peak RSS ${result.maxRssMiB.toFixed(0)} MiB`);
    expect(result.maxRssMiB).toBeLessThan(RSS_CEILING_MIB);
  });

  it('multipage.pdf: six pages of mixed sizes, the 9000 x 9000 px one downsampled, the others at 300 DPI', { timeout: 300_000 }, async () => {
    const result = await ingestInChild(join(tmp.dir, 'scans'), 'multipage', [pdf('multipage.pdf')]);
    expect(result.stats).toMatchObject({ pagesProcessed: 6, pagesFailed: 0 });
    const sizes = Object.values(result.metrics).map((m) => [m.width, m.height, m.downsampled, m.grayscale]);
    expect(sizes).toEqual([
      [1600, 1962, false, true], // sepia book page: grayscale
      [8192, 8192, true, true],
      [2994, 1250, false, false], // coloured chart keeps its colour
      [2994, 1250, false, false],
      [2550, 3300, false, true],
      [3300, 2550, false, true],
    ]);
    console.log(`multipage.pdf: peak RSS ${result.maxRssMiB.toFixed(0)} MiB`);
    expect(result.maxRssMiB).toBeLessThan(RSS_CEILING_MIB);
  });
});
