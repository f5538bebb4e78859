import { OCR_STAGE, OcrPageSchema, type OcrPage } from '@bookpipe/contracts';
import { describeError, type StageContext } from '@bookpipe/core';
import { buildVocabulary, type Vocabulary } from '@bookpipe/text';

/** One OCR page of the scan, validated. @throws BookpipeError naming the file when it is missing or invalid. */
export function loadOcrPage(ctx: Pick<StageContext, 'scan'>, page: number): Promise<OcrPage> {
  return ctx.scan.stage(OCR_STAGE).loadPage(page, OcrPageSchema);
}

/**
 * The words of the whole book (every OCR page that loads), for book-wide de-hyphenation evidence:
 * a book is its own best dictionary. Pages are read one at a time and only their word counts kept,
 * so a long book is not held in memory. An unreadable page is left out with a warning (the page
 * itself fails later, where it is processed).
 */
export async function bookVocabulary(ctx: Pick<StageContext, 'scan' | 'logger'> & { signal?: AbortSignal }): Promise<Vocabulary> {
  const pages = await ctx.scan.stage(OCR_STAGE).listPages();
  const parts: Vocabulary[] = [];
  for (const page of pages) {
    // An aborted run takes no new page anyway: stop reading.
    if (ctx.signal?.aborted) break;
    try {
      parts.push(buildVocabulary([await loadOcrPage(ctx, page)]));
    } catch (error) {
      ctx.logger.warn('OCR page left out of the book vocabulary', { page, error: describeError(error) });
    }
  }
  return { count: (word) => parts.reduce((sum, part) => sum + part.count(word), 0) };
}
