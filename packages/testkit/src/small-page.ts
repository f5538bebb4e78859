/**
 * A small OCR page built from text, for unit tests of rules (schemas, page building, merging, HTML),
 * not of OCR quality: real OCR pages are exercised by the slow suites.
 */
import type { OcrBlock, OcrPage } from '@bookpipe/contracts';

const LINE_HEIGHT = 40;

/**
 * Word confidences: a list of doubtful words (each read at 0.3), or a confidence per word. Words not
 * named are read at 0.9.
 */
export type WordConfidences = readonly string[] | Readonly<Record<string, number>>;

function confidenceOf(word: string, confidences: WordConfidences): number {
  if (Array.isArray(confidences)) return confidences.includes(word) ? 0.3 : 0.9;
  return (confidences as Readonly<Record<string, number>>)[word] ?? 0.9;
}

/**
 * An OCR page whose blocks hold paragraphs of lines: `[['line 1', 'line 2'], ['next paragraph']]` is
 * one block of two paragraphs. Words are split on spaces and laid out left to right, lines 40 px apart;
 * a line starting with two spaces is indented. The page's mean confidence is that of its words.
 */
export function smallPage(pageNumber: number, blocks: string[][][], confidences: WordConfidences = []): OcrPage {
  let y = 100;
  const ocrBlocks: OcrBlock[] = blocks.map((paragraphs, blockIndex) => {
    const top = y;
    const pars = paragraphs.map((lines, parIndex) => {
      const parTop = y;
      const ocrLines = lines.map((raw) => {
        const indent = raw.startsWith('  ') ? 60 : 0;
        const text = raw.trim();
        const left = 200 + indent;
        let x = left;
        const words = text
          .split(/\s+/)
          .filter(Boolean)
          .map((word) => {
            const bbox = { x, y, width: word.length * 20, height: LINE_HEIGHT - 10 };
            x += bbox.width + 20;
            return { text: word, bbox, confidence: confidenceOf(word, confidences) };
          });
        const bbox = { x: left, y, width: Math.max(1, x - 20 - left), height: LINE_HEIGHT - 10 };
        y += LINE_HEIGHT;
        return { bbox, text, confidence: 0.9, words };
      });
      return {
        parNum: parIndex + 1,
        bbox: { x: 200, y: parTop, width: 1200, height: y - parTop },
        text: lines.map((line) => line.trim()).join('\n'),
        confidence: 0.85,
        lines: ocrLines,
      };
    });
    y += LINE_HEIGHT;
    return { blockNum: blockIndex + 1, bbox: { x: 200, y: top, width: 1200, height: y - top }, paragraphs: pars };
  });
  const words = ocrBlocks.flatMap((b) => b.paragraphs.flatMap((p) => p.lines.flatMap((l) => l.words)));
  const meanConfidence = words.length === 0 ? 0 : words.reduce((sum, w) => sum + w.confidence, 0) / words.length;
  return {
    pageNumber,
    width: 1600,
    height: 2400,
    engine: { name: 'tesseract.js', version: 'test', language: 'eng', psm: 3 },
    meanConfidence,
    blocks: ocrBlocks,
  };
}
