import { setImmediate as nextTurn } from 'node:timers/promises';
import { OCR_STAGE } from '@bookpipe/contracts';
import { describeError, type StageContext } from '@bookpipe/core';
import { buildVocabulary, type Vocabulary } from '@bookpipe/text';

/**
 * The words of the whole book (every OCR page that loads), for book-wide de-hyphenation evidence:
 * a book is its own best dictionary. Pages are read one at a time and only their word counts kept,
 * so a long book is not held in memory. An unreadable page is left out with a warning (the page
 * itself fails later, where it is processed). The stage must declare "ocr" among its dependencies.
 *
 * Between pages it lets the event loop turn: a local page is read synchronously and parsed in one go,
 * so without a turn the whole book (half a second of CPU for 120 pages of word boxes) would hold up
 * every other stage of the run, whose requests could be out at the provider meanwhile.
 */
export async function bookVocabulary(ctx: Pick<StageContext, 'input' | 'logger'> & { signal?: AbortSignal }): Promise<Vocabulary> {
  const ocr = ctx.input(OCR_STAGE);
  const pages = await ocr.listPages();
  const parts: Vocabulary[] = [];
  for (const page of pages) {
    // An aborted run takes no new page anyway: stop reading.
    if (ctx.signal?.aborted) break;
    await nextTurn();
    try {
      parts.push(buildVocabulary([await ocr.load(page)]));
    } catch (error) {
      ctx.logger.warn('OCR page left out of the book vocabulary', { page, error: describeError(error) });
    }
  }
  return { count: (word) => parts.reduce((sum, part) => sum + part.count(word), 0) };
}
