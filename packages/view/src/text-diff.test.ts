import { smallPage } from '@bookpipe/testkit';
import { describe, expect, it } from 'vitest';
import { diffParagraph, hasChanges } from './text-diff.js';

const paragraph = (lines: string[], confidences: Record<string, number> = {}) => smallPage(1, [[lines]], confidences).blocks[0]!.paragraphs[0]!;

describe('diffParagraph', () => {
  it('returns the OCR words unchanged, with their confidences, when there is no shown text', () => {
    const tokens = diffParagraph(paragraph(['The qnick fox'], { qnick: 0.31 }));
    expect(tokens).toEqual([
      { kind: 'same', text: 'The', confidence: 0.9 },
      { kind: 'same', text: 'qnick', confidence: 0.31 },
      { kind: 'same', text: 'fox', confidence: 0.9 },
    ]);
    expect(hasChanges(tokens)).toBe(false);
  });

  it('marks a fixed word as removed + added and keeps OCR confidences on the kept words', () => {
    const tokens = diffParagraph(paragraph(['The qnick brown', 'fox'], { qnick: 0.31, brown: 0.5 }), 'The quick brown fox');
    expect(tokens.map((t) => [t.kind, t.text, t.confidence])).toEqual([
      ['same', 'The', 0.9],
      ['removed', 'qnick', 0.31],
      ['added', 'quick', null],
      ['same', 'brown', 0.5],
      ['same', 'fox', 0.9],
    ]);
    expect(hasChanges(tokens)).toBe(true);
  });

  it('shows a joined line-end hyphen as the two halves removed and the word added', () => {
    const tokens = diffParagraph(paragraph(['to in-', 'vestigate it']), 'to investigate it');
    expect(tokens.filter((t) => t.kind !== 'same').map((t) => `${t.kind}:${t.text}`)).toEqual(['removed:in-', 'removed:vestigate', 'added:investigate']);
  });
});
