import { describe, expect, it } from 'vitest';
import { continues, type EdgeEnd, type EdgeStart, linkPages, type PageEdge } from './continuation.js';

const end = (e: Partial<EdgeEnd>): EdgeEnd => ({ text: '…', open: false, hyphen: false, lastLineFull: null, ...e });
const start = (s: Partial<EdgeStart>): EdgeStart => ({ text: '…', startsLowercase: false, indented: null, ...s });

describe('continues', () => {
  it.each([
    ['a word broken by a hyphen', end({ hyphen: true, open: true }), start({ indented: true }), true],
    ['text stopping mid-sentence', end({ open: true }), start({ startsLowercase: true }), true],
    ['mid-sentence, next page unknown indentation', end({ open: true }), start({}), true],
    ['mid-sentence, but the next page opens an indented paragraph with a capital', end({ open: true }), start({ indented: true }), false],
    ['a finished sentence, next page starts in lower case', end({}), start({ startsLowercase: true }), true],
    ['a finished sentence on a full last line, next line not indented', end({ lastLineFull: true }), start({ indented: false }), true],
    ['a finished sentence on a short last line', end({ lastLineFull: false }), start({ indented: false }), false],
    ['a finished sentence, next page indented', end({ lastLineFull: true }), start({ indented: true }), false],
  ])('%s', (_name, e, s, expected) => {
    expect(continues(e, s)).toBe(expected);
  });

  it('never runs on when either side has no body text', () => {
    expect(continues(null, start({ startsLowercase: true }))).toBe(false);
    expect(continues(end({ hyphen: true }), null)).toBe(false);
  });
});

describe('linkPages', () => {
  const open: PageEdge = { start: start({ startsLowercase: true }), end: end({ open: true }) };
  it('links consecutive pages both ways and never across a missing page', () => {
    const links = linkPages([
      { pageNumber: 3, edge: open },
      { pageNumber: 1, edge: open },
      { pageNumber: 2, edge: open },
      { pageNumber: 5, edge: open },
    ]);
    expect(Object.fromEntries(links)).toEqual({
      1: { fromPrevious: false, toNext: true },
      2: { fromPrevious: true, toNext: true },
      3: { fromPrevious: true, toNext: false },
      5: { fromPrevious: false, toNext: false },
    });
  });
});
