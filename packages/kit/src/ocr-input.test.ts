import type { StageContext } from '@bookpipe/core';
import { silentLogger } from '@bookpipe/core';
import { smallPage } from '@bookpipe/testkit';
import { describe, expect, it } from 'vitest';
import { bookVocabulary } from './ocr-input.js';

/** A context whose OCR pages load at once (from memory), as a local page file is read and parsed in one go. */
function ctxWith(pages: Record<number, ReturnType<typeof smallPage>>): Pick<StageContext, 'input' | 'logger'> {
  const input = {
    listPages: async () => Object.keys(pages).map(Number),
    load: async (page: number) => {
      const value = pages[page];
      if (!value) throw new Error(`page ${page} is unreadable`);
      return value;
    },
  };
  return { input: (() => input) as unknown as StageContext['input'], logger: silentLogger };
}

describe('bookVocabulary', () => {
  it('counts the words of every readable page, leaving an unreadable one out', async () => {
    const ctx = ctxWith({ 1: smallPage(1, [[['the quick fox']]]), 3: smallPage(3, [[['the lazy dog']]]) });
    const input = ctx.input('ocr');
    const listed = input.listPages;
    input.listPages = async () => [...(await listed()), 2];
    const vocabulary = await bookVocabulary(ctx);
    expect([vocabulary.count('the'), vocabulary.count('fox'), vocabulary.count('dog'), vocabulary.count('cat')]).toEqual([2, 1, 1, 0]);
  });

  it('lets the event loop turn between pages, so other stages are not held up for the whole book', async () => {
    const pages = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [i + 1, smallPage(i + 1, [[['a line of text']]])]));
    let turns = 0;
    const tick = () => {
      turns++;
      if (turns < 1000) setImmediate(tick);
    };
    setImmediate(tick);
    await bookVocabulary(ctxWith(pages));
    // Loads that resolve at once chain on microtasks only: without a turn per page, no immediate would run.
    expect(turns).toBeGreaterThanOrEqual(10);
    turns = 1000;
  });
});
