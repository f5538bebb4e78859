/**
 * The margin pass on a real page: a catch-word ("Ob", under the last line, right) that tesseract's page
 * layout drops on vd-sbb erobdefoa's first page, read back by both engines, and nothing of the page's
 * own reading changed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BBox, OcrPage } from '@bookpipe/contracts';
import { evalFile, hasEval, noteSkip, toPng } from '@bookpipe/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOcrEngine } from './create-ocr-engine.js';
import type { OcrEngineName } from './options.js';

noteSkip('margin-pass.slow.test.ts');

/** The catch-word's region in the truth (OCR-D-GT-PAGE_00000010.xml), in the page image's pixels. */
const CATCHWORD: BBox = { x: 1260, y: 2028, width: 48, height: 31 };
const overlaps = (a: BBox, b: BBox) =>
  Math.min(a.x + a.width, b.x + b.width) > Math.max(a.x, b.x) && Math.min(a.y + a.height, b.y + b.height) > Math.max(a.y, b.y);
const wordsOf = (page: OcrPage, margin: boolean) =>
  page.blocks.filter((block) => (block.pass === 'margin') === margin).flatMap((block) => block.paragraphs.flatMap((p) => p.lines.flatMap((l) => l.words)));

describe.skipIf(!hasEval)('margin pass on a real page (vd-sbb erobdefoa, German)', () => {
  let tmp: string;
  let image: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'stage-ocr-margin-'));
    image = await toPng(evalFile('vd-sbb', 'erobdefoa_66333134X', 'OCR-D-IMG_00000010.tif'), tmp);
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it.each<OcrEngineName>(['tesseract.js', 'native'])(
    '%s reads the catch-word the page read dropped, as a margin block after the page blocks',
    async (engineName) => {
      const common = { engine: engineName, language: 'deu', maxWorkers: 1, detectOrientation: false } as const;
      const [off, on] = await Promise.all([createOcrEngine({ ...common, marginPass: false }), createOcrEngine({ ...common, marginPass: true })]);
      try {
        const [plain, withMargins] = await Promise.all([off.recognize(image, 1), on.recognize(image, 1)]);
        expect(wordsOf(plain.page, false).filter((w) => overlaps(w.bbox, CATCHWORD))).toEqual([]);
        const found = wordsOf(withMargins.page, true).filter((w) => overlaps(w.bbox, CATCHWORD));
        expect(found.map((w) => w.text)).toEqual([expect.stringMatching(/^[O0]b$/)]);
        // The page's own blocks are the same reading; margin blocks come after them.
        const own = withMargins.page.blocks.filter((block) => block.pass !== 'margin');
        expect(own).toEqual(plain.page.blocks);
        expect(withMargins.page.blocks.slice(own.length).every((block) => block.pass === 'margin')).toBe(true);
        expect(withMargins.timings.marginSeconds).toBeGreaterThan(0);
      } finally {
        await Promise.all([off.destroy(), on.destroy()]);
      }
    },
  );
});
