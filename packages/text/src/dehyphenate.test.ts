import type { OcrPage } from '@bookpipe/contracts';
import { OcrPageSchema } from '@bookpipe/contracts';
import { describe, expect, it } from 'vitest';
import { buildVocabulary, createLexicon, decideHyphen, dehyphenate, englishLexicon, paragraphText } from './index.js';

/** A page with one block per paragraph, each paragraph given as its printed lines. */
function page(...paragraphs: string[][]): OcrPage {
  let y = 0;
  const box = () => {
    y += 50;
    return { x: 0, y, width: 1000, height: 40 };
  };
  return OcrPageSchema.parse({
    pageNumber: 1,
    width: 1200,
    height: 2000,
    engine: { name: 'test', version: '0', language: 'eng', psm: 3 },
    meanConfidence: 0.9,
    blocks: paragraphs.map((lines, index) => ({
      blockNum: index + 1,
      bbox: box(),
      paragraphs: [
        {
          parNum: 1,
          bbox: box(),
          text: lines.join('\n'),
          confidence: 0.9,
          lines: lines.map((text) => ({
            bbox: box(),
            text,
            confidence: 0.9,
            words: text
              .split(' ')
              .filter(Boolean)
              .map((word) => ({ text: word, bbox: box(), confidence: 0.9 })),
          })),
        },
      ],
    })),
  });
}

const lexicon = englishLexicon();
const decide = (left: string, right: string) => decideHyphen(left, right, { lexicon });

describe('decideHyphen', () => {
  it('joins a word broken at a line end', () => {
    expect(decide('cam-', 'paign')).toMatchObject({ joined: 'campaign', keptHyphen: false, reason: 'joined-is-word' });
    expect(decide('in-', 'vestigate')).toMatchObject({ joined: 'investigate', keptHyphen: false });
  });

  it('keeps the hyphen of a compound whose joined form is no word', () => {
    expect(decide('well-', 'known')).toMatchObject({ joined: 'well-known', keptHyphen: true, reason: 'halves-are-words' });
    expect(decide('self-', 'respect')).toMatchObject({ joined: 'self-respect', keptHyphen: true });
  });

  it('keeps the hyphen when the joined form is rarer than its halves, joins when it is as common', () => {
    expect(decide('story-', 'teller')).toMatchObject({ joined: 'story-teller', reason: 'joined-rarer' });
    expect(decide('for-', 'get')).toMatchObject({ joined: 'forget', reason: 'joined-as-common' });
  });

  it('keeps the hyphen before a capitalised word (New-York), not before a word in capitals', () => {
    expect(decide('New-', 'York')).toMatchObject({ joined: 'New-York', keptHyphen: true, reason: 'capitalised-right' });
    expect(decide('CAM-', 'PAIGN')).toMatchObject({ joined: 'CAMPAIGN', keptHyphen: false });
  });

  it('keeps case and the punctuation around the halves', () => {
    expect(decide('“Cam-', 'paign,”')).toMatchObject({ joined: '“Campaign,”', keptHyphen: false });
    expect(decide('cam-', "paign's")).toMatchObject({ joined: "campaign's", keptHyphen: false });
  });

  it('always joins at a soft hyphen or "¬", and removes the mark', () => {
    expect(decide('well\u00AD', 'known')).toMatchObject({ joined: 'wellknown', reason: 'break-mark' });
    expect(decide('Ver¬', 'fassung')).toMatchObject({ joined: 'Verfassung', reason: 'break-mark' });
  });

  it('treats en and em dashes, lone hyphens and number ranges as no word break', () => {
    expect(decide('Energy—', 'Industry')).toBeNull();
    expect(decide('pages–', 'five')).toBeNull();
    expect(decide('-', 'known')).toBeNull();
    expect(decide('well-', '—known')).toBeNull();
    expect(decide('1914-', '18')).toMatchObject({ joined: '1914-18', keptHyphen: true, reason: 'number' });
  });

  it('joins the last segment of a compound with the next line ("mother-in-" / "law")', () => {
    expect(decide('mother-in-', 'law')).toMatchObject({ joined: 'mother-in-law', keptHyphen: true });
  });

  it('lets the book itself decide before the word list', () => {
    const book = page(['It was to-day and to-day again, not today.']);
    const vocabulary = buildVocabulary([book]);
    expect(decideHyphen('to-', 'day', { lexicon, vocabulary })).toMatchObject({ keptHyphen: true, reason: 'document-hyphenated' });
    expect(decideHyphen('to-', 'day', { lexicon })).toMatchObject({ keptHyphen: false, reason: 'joined-as-common' });
  });

  it('uses a caller-supplied lexicon', () => {
    const tiny = createLexicon(['zorp', 'blat']);
    expect(decideHyphen('zorp-', 'blat', { lexicon: tiny })).toMatchObject({ keptHyphen: true, reason: 'halves-are-words' });
  });
});

describe('dehyphenate', () => {
  it('joins across lines and reports each decision with its line', () => {
    const result = dehyphenate(page(['The cam-', 'paign was well-', 'known to all.']));
    const [paragraph] = result.paragraphs;
    expect(paragraph?.text).toBe('The campaign was well-known to all.');
    expect(paragraph?.joins.map((join) => [join.lineIndex, join.joined, join.keptHyphen])).toEqual([
      [0, 'campaign', false],
      [1, 'well-known', true],
    ]);
    expect(result).toMatchObject({ joined: 1, keptHyphens: 1, trailingHyphens: [] });
  });

  it('leaves a hyphen that is not at a line end alone, and gives null for an unchanged paragraph', () => {
    const result = dehyphenate(page(['a well-known cam-paign', 'goes on']));
    expect(result.paragraphs[0]).toMatchObject({ text: null, joins: [], trailingHyphen: null });
  });

  it('reports a hyphen ending a paragraph without touching it', () => {
    const result = dehyphenate(page(['This sentence goes on in the next para-'], ['graph, which OCR split.']));
    expect(result.paragraphs[0]).toMatchObject({ text: null, joins: [], trailingHyphen: 'para-' });
    expect(result.trailingHyphens).toEqual([{ blockNum: 1, parNum: 1, word: 'para-' }]);
  });

  it('joins a word broken over three lines', () => {
    const result = dehyphenate(page(['the in-', 'ter-', 'national trade']));
    expect(result.paragraphs[0]?.text).toBe('the international trade');
    expect(result.paragraphs[0]?.joins.map((join) => join.lineIndex)).toEqual([0, 1]);
  });

  it('closes up dashes at line ends and removes soft hyphens', () => {
    const result = dehyphenate(page(['Intelligence—', 'Energy —', 'Industry and the cam\u00AD', 'paign']));
    expect(result.paragraphs[0]?.text).toBe('Intelligence—Energy — Industry and the campaign');
  });

  it('lets a book-wide vocabulary override the word list', () => {
    const other = page(['He came back to-day, as he said to-day.']);
    const target = page(['people are to-', 'day in the same peril']);
    expect(dehyphenate(target).paragraphs[0]?.text).toBe('people are today in the same peril');
    const vocabulary = buildVocabulary([other, target]);
    expect(dehyphenate(target, { vocabulary }).paragraphs[0]?.text).toBe('people are to-day in the same peril');
  });
});

describe('paragraphText', () => {
  it('joins the lines of a paragraph with de-hyphenation', () => {
    const paragraph = page(['whirl-', 'wind and   storm']).blocks[0]?.paragraphs[0];
    if (!paragraph) throw new Error('test page has no paragraph');
    expect(paragraphText(paragraph)).toBe('whirlwind and storm');
  });
});
