import type { OcrPage } from '@bookpipe/core';
import { describe, expect, it } from 'vitest';
import { readingStats } from './reading-stats-stage.js';

const box = { x: 0, y: 0, width: 10, height: 10 };
const word = (text: string, confidence: number) => ({ text, bbox: box, confidence });

describe('readingStats', () => {
  it('counts words and lines and lists doubtful words', () => {
    const page: OcrPage = {
      pageNumber: 3,
      width: 100,
      height: 100,
      engine: { name: 'tesseract.js', version: '7.0.0', language: 'eng', psm: 3 },
      meanConfidence: 0.8,
      blocks: [
        {
          blockNum: 1,
          bbox: box,
          paragraphs: [
            {
              parNum: 1,
              bbox: box,
              text: 'The compositor w0rked',
              confidence: 0.8,
              lines: [
                { bbox: box, text: 'The compositor', confidence: 0.9, words: [word('The', 0.95), word('compositor', 0.9)] },
                { bbox: box, text: 'w0rked', confidence: 0.4, words: [word('w0rked', 0.4)] },
              ],
            },
          ],
        },
      ],
    };
    expect(readingStats(page, { wordsPerMinute: 60 })).toEqual({
      pageNumber: 3,
      words: 3,
      lines: 2,
      readingSeconds: 3,
      doubtfulWords: [{ text: 'w0rked', confidence: 0.4 }],
    });
  });

  it('an empty page has no words and takes no time', () => {
    const page: OcrPage = { pageNumber: 1, width: 1, height: 1, engine: { name: 'x', version: '1', language: 'eng', psm: 3 }, meanConfidence: 0, blocks: [] };
    expect(readingStats(page)).toMatchObject({ words: 0, lines: 0, readingSeconds: 0, doubtfulWords: [] });
  });
});
