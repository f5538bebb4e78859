import type { OcrPage } from '@bookpipe/contracts';
import { describe, expect, it } from 'vitest';
import type { BookMetadataReading } from './book-metadata.js';
import { checkAnswer, combineReadings, type LlmMetadataAnswer, metadataPrompt } from './llm-metadata.js';

/** An OCR page with one line per text, each `height` px tall (the layout the prompt reports as type size). */
function page(pageNumber: number, lines: Array<[string, number]>): OcrPage {
  let y = 100;
  return {
    pageNumber,
    width: 1800,
    height: 2700,
    engine: { name: 'tesseract', version: '5.3.0', language: 'eng', psm: 3 },
    meanConfidence: 0.9,
    blocks: lines.map(([text, height], i) => {
      y += height * 3;
      const bbox = { x: 200, y, width: 1200, height };
      const words = text.split(' ').map((w) => ({ text: w, bbox, confidence: 0.9 }));
      return { blockNum: i + 1, bbox, paragraphs: [{ parNum: 1, bbox, text, confidence: 0.9, lines: [{ bbox, text, confidence: 0.9, words }] }] };
    }),
  };
}

const pages = [
  page(1, [
    ['THE PATIENT PAGE', 60],
    ['by Margaret Hale', 30],
  ]),
  page(2, [['First published in 1923 by Harrow & Finch.', 30]]),
];
const none = { value: null, confidence: 0, page: null, line: null };
const answer = (over: Partial<LlmMetadataAnswer>): LlmMetadataAnswer => ({
  title: none,
  author: none,
  year: none,
  publisher: none,
  isbn: none,
  language: none,
  ...over,
});

describe('the model answer is checked before it is believed', () => {
  it('keeps a value whose quoted line is on the page it names, whatever the spacing and punctuation', () => {
    const reading = checkAnswer(answer({ title: { value: 'The Patient Page', confidence: 0.9, page: 1, line: 'THE  PATIENT PAGE.' } }), pages, 'm', 2027);
    expect(reading.title).toEqual({ value: 'The Patient Page', confidence: 0.9, evidence: { page: 1, line: 'THE  PATIENT PAGE.' }, method: 'llm', model: 'm' });
  });
  it('caps a value whose line is not on that page, or names no page', () => {
    const reading = checkAnswer(
      answer({
        publisher: { value: 'Oxford University Press', confidence: 0.99, page: 2, line: 'Oxford University Press' },
        author: { value: 'Margaret Hale', confidence: 0.9, page: 2, line: 'by Margaret Hale' },
        year: { value: 1923, confidence: 0.9, page: null, line: 'First published in 1923' },
      }),
      pages,
      'm',
      2027,
    );
    expect(reading.publisher!.confidence).toBe(0.4);
    expect(reading.author!.confidence).toBe(0.4);
    expect(reading.year!.confidence).toBe(0.4);
  });
  it('drops an ISBN with a wrong check digit, an implausible year and a language that is not an ISO 639-1 code', () => {
    const reading = checkAnswer(
      answer({
        isbn: { value: '978-0-306-40615-8', confidence: 0.9, page: 2, line: 'First published' },
        year: { value: 2999, confidence: 0.9, page: 2, line: 'First published' },
        language: { value: 'English', confidence: 0.9, page: null, line: null },
      }),
      pages,
      'm',
      2027,
    );
    expect(reading).toEqual({});
  });
});

describe('combineReadings', () => {
  it('keeps the more confident reading per field, the model on a tie', () => {
    const d: BookMetadataReading = {
      title: { value: 'A', confidence: 0.9, evidence: { page: 1, line: 'A' }, method: 'deterministic' },
      year: { value: 1900, confidence: 0.8, evidence: { page: 1, line: '1900' }, method: 'deterministic' },
    };
    const l: BookMetadataReading = {
      title: { value: 'B', confidence: 0.4, evidence: { page: 1, line: 'B' }, method: 'llm' },
      year: { value: 1901, confidence: 0.8, evidence: { page: 1, line: '1901' }, method: 'llm' },
      author: { value: 'C', confidence: 0.7, evidence: { page: 1, line: 'by C' }, method: 'llm' },
    };
    const c = combineReadings(d, l);
    expect([c.title!.value, c.year!.value, c.author!.value]).toEqual(['A', 1901, 'C']);
  });
});

describe('metadataPrompt', () => {
  it('gives each line its type size relative to the body text', () => {
    const prompt = metadataPrompt(pages);
    expect(prompt).toContain('--- page 1 ---\n[2.0] THE PATIENT PAGE\n[1.0] by Margaret Hale');
  });
});
