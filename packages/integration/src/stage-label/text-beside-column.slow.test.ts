// Real pages where words of text reach past the measured column edge: the LinnSequencer brochure (a
// two-column part between full-width lines) and a page of old-books-e whose lines the gutter's shadow cuts
// short. Their last words were once taken for marginal notes and left out of book.md.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { labelPageSchemaFor, type OcrPage } from '@bookpipe/contracts';
import { labelDeterministic } from '@bookpipe/stage-label';
import { beforeAll, describe, expect, it } from 'vitest';
import { ocrImages } from '../support/ocr-eval-pages.js';

const evalRoot = path.resolve(import.meta.dirname, '../../../../../shared/eval');
const images = [path.join(evalRoot, 'ocrmypdf-resources/linn.png'), path.join(evalRoot, 'old-books/e018.tiff')];
const present = images.every((file) => existsSync(file));
if (!present) console.warn(`[stage-label] ${images.join(', ')} absent: skipping the marginal-note check on real pages.`);

describe.skipIf(!present)('marginal notes on real pages with no margin notes', () => {
  const pages: OcrPage[] = [];
  beforeAll(async () => {
    pages.push(...(await ocrImages(images.map((file) => ({ file, pageNumber: 1 })))));
  }, 600_000);

  it('marks no word of the text as a marginal note, and keeps the last words of the lines that reach furthest', () => {
    for (const [index, page] of pages.entries()) {
      const [label] = labelDeterministic([page]);
      const parsed = labelPageSchemaFor(page).parse(label);
      const notes = (parsed.lines ?? []).filter((line) => line.classification === 'MARGINALIA');
      const wordsOf = (line: (typeof notes)[number]) => {
        const ocrLine = page.blocks.find((b) => b.blockNum === line.blockNum)?.paragraphs.find((p) => p.parNum === line.parNum)?.lines[line.lineNum - 1];
        return ocrLine?.words.slice((line.words?.[0] ?? 1) - 1, line.words?.[1] ?? ocrLine.words.length).map((word) => word.text) ?? [];
      };
      expect(notes.map(wordsOf), images[index]).toEqual([]);
    }
    // The words once dropped are in the truth: linn.txt has "record", "fadeout." and "your" at those lines' ends.
    const truth = readFileSync(path.join(evalRoot, 'ocrmypdf-resources/linn.txt'), 'utf8');
    for (const word of ['way is to record', 'for a fadeout', 'attention to your']) expect(truth.replace(/\s+/g, ' ')).toContain(word);
  });
});
