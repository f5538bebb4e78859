/**
 * Test support, not exported: a small OCR page built from text, for unit tests of the view's HTML
 * (escaping, diff marks, confidence marks, bookkeeping). Real OCR pages are exercised by the slow suite.
 */

/**
 * `[['line 1', 'line 2'], ['next paragraph']]` is one block of two paragraphs. Words are split on
 * spaces; a word in `confidences` gets that confidence, the others 0.9.
 */
export function smallPage(pageNumber: number, blocks: string[][][], confidences: Record<string, number> = {}): OcrPage {
  let y = 100;
  const ocrBlocks: OcrBlock[] = blocks.map((paragraphs, blockIndex) => {
    const top = y;
    const pars = paragraphs.map((lines, parIndex) => {
      const parTop = y;
      const ocrLines = lines.map((text) => {
        let x = 200;
        const words = text.split(' ').filter(Boolean).map((word) => {
          const bbox = { x, y, width: word.length * 20, height: 30 };
          x += bbox.width + 20;
          return { text: word, bbox, confidence: confidences[word] ?? 0.9 };
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
  const words = ocrBlocks.flatMap((b) => b.paragraphs.flatMap((p) => p.lines.flatMap((l) => l.words)));
  const meanConfidence = words.length === 0 ? 0 : words.reduce((s, w) => s + w.confidence, 0) / words.length;
  return { pageNumber, width: 1600, height: 2400, engine: { name: 'tesseract.js', version: 'test', language: 'eng', psm: 3 }, meanConfidence, blocks: ocrBlocks };
}import { type OcrBlock, type OcrPage } from '@bookpipe/contracts';

