/**
 * Test support, not exported: a small OCR page built from text, for unit tests of schemas and page
 * building (rules, not OCR quality). Real OCR pages are exercised by the slow suites.
 */

/** `[['line 1', 'line 2'], ['next paragraph']]` is one block of two paragraphs; words at confidence 0.9 unless in `doubtful`. */
export function smallPage(pageNumber: number, blocks: string[][][], doubtful: readonly string[] = []): OcrPage {
  let y = 100;
  const ocrBlocks: OcrBlock[] = blocks.map((paragraphs, blockIndex) => {
    const top = y;
    const pars = paragraphs.map((lines, parIndex) => {
      const parTop = y;
      const ocrLines = lines.map((text) => {
        let x = 200;
        const words = text.split(/\s+/).filter(Boolean).map((word) => {
          const bbox = { x, y, width: word.length * 20, height: 30 };
          x += bbox.width + 20;
          return { text: word, bbox, confidence: doubtful.includes(word) ? 0.3 : 0.9 };
        });
        const bbox = { x: 200, y, width: Math.max(1, x - 220), height: 30 };
        y += 40;
        return { bbox, text, confidence: 0.9, words };
      });
      return { parNum: parIndex + 1, bbox: { x: 200, y: parTop, width: 1200, height: y - parTop }, text: lines.join('\n'), confidence: 0.85, lines: ocrLines };
    });
    y += 40;
    return { blockNum: blockIndex + 1, bbox: { x: 200, y: top, width: 1200, height: y - top }, paragraphs: pars };
  });
  return { pageNumber, width: 1600, height: 2400, engine: { name: 'tesseract.js', version: 'test', language: 'eng', psm: 3 }, meanConfidence: 0.9, blocks: ocrBlocks };
}import { type OcrBlock, type OcrPage } from '@bookpipe/contracts';

