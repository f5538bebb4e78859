/**
 * Test support, not exported: small OCR pages built from text, for unit tests of the merge's rules
 * (which input wins, what is kept, how pages link). Real OCR is exercised by the slow suites.
 */

const LINE_HEIGHT = 40;

/**
 * An OCR page whose blocks hold paragraphs of lines: `[['line 1', 'line 2'], ['next paragraph']]`
 * is one block of two paragraphs. A line starting with two spaces is indented.
 */
export function ocrPage(pageNumber: number, blocks: string[][][]): OcrPage {
  let y = 100;
  const ocrBlocks: OcrBlock[] = blocks.map((paragraphs, blockIndex) => {
    const top = y;
    const pars = paragraphs.map((lines, parIndex) => {
      const parTop = y;
      const ocrLines = lines.map((raw) => {
        const indent = raw.startsWith('  ') ? 60 : 0;
        const text = raw.trim();
        let x = 200 + indent;
        const words = text.split(/\s+/).filter(Boolean).map((word) => {
          const box = { x, y, width: word.length * 20, height: LINE_HEIGHT - 10 };
          x += box.width + 20;
          return { text: word, bbox: box, confidence: 0.9 };
        });
        const bbox = { x: 200 + indent, y, width: Math.max(1, x - 20 - (200 + indent)), height: LINE_HEIGHT - 10 };
        y += LINE_HEIGHT;
        return { bbox, text, confidence: 0.9, words };
      });
      return { parNum: parIndex + 1, bbox: { x: 200, y: parTop, width: 1200, height: y - parTop }, text: lines.map((l) => l.trim()).join('\n'), confidence: 0.9, lines: ocrLines };
    });
    y += LINE_HEIGHT;
    return { blockNum: blockIndex + 1, bbox: { x: 200, y: top, width: 1200, height: y - top }, paragraphs: pars };
  });
  return {
    pageNumber,
    width: 1600,
    height: 2400,
    engine: { name: 'tesseract.js', version: 'test', language: 'eng', psm: 3 },
    meanConfidence: 0.9,
    blocks: ocrBlocks,
  };
}import { type OcrBlock, type OcrPage } from '@bookpipe/contracts';

