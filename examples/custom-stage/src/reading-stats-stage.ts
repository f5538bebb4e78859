import { BasePageMetricsSchema, BaseStage, type OcrPage, processPages, type StageContext, type StageStats } from '@bookpipe/core';
import { z } from 'zod';

/** What this stage writes for each page: `reading-stats/page_NNNN.json`. */
export const ReadingStatsPageSchema = z.object({
  pageNumber: z.number().int().positive(),
  words: z.number().int().nonnegative(),
  lines: z.number().int().nonnegative(),
  /** Estimated silent reading time at `wordsPerMinute`. */
  readingSeconds: z.number().nonnegative(),
  /** Words the OCR engine was unsure of, for a human to check. */
  doubtfulWords: z.array(z.object({ text: z.string(), confidence: z.number() })),
});
export type ReadingStatsPage = z.infer<typeof ReadingStatsPageSchema>;

const MetricsSchema = BasePageMetricsSchema.extend({
  words: z.number().int(),
  doubtfulWords: z.number().int(),
});
type Metrics = z.infer<typeof MetricsSchema>;
/** What this stage's run() gets: `savePage` and `processPages` are typed by its page and metrics. */
type Context = StageContext<ReadingStatsPage, Metrics>;

export interface ReadingStatsOptions {
  /** Reading speed used for the estimate. @default 238 (adult silent reading, non-fiction) */
  wordsPerMinute?: number;
  /** Words under this OCR confidence are listed as doubtful. @default 0.6 */
  doubtfulBelow?: number;
}

/** Pure: the statistics of one OCR page. */
export function readingStats(page: OcrPage, options: ReadingStatsOptions = {}): ReadingStatsPage {
  const wpm = options.wordsPerMinute ?? 238;
  const threshold = options.doubtfulBelow ?? 0.6;
  const lines = page.blocks.flatMap((b) => b.paragraphs.flatMap((p) => p.lines));
  const words = lines.flatMap((l) => l.words).filter((w) => w.text.trim() !== '');
  return {
    pageNumber: page.pageNumber,
    words: words.length,
    lines: lines.length,
    readingSeconds: Math.round((words.length / wpm) * 60 * 10) / 10,
    doubtfulWords: words.filter((w) => w.confidence < threshold).map((w) => ({ text: w.text, confidence: w.confidence })),
  };
}

/**
 * A stage a user might add: it reads the OCR stage's pages and writes reading statistics, plus a
 * book-level `summary.json` in `after()`. It uses only the public API of @bookpipe/core.
 */
export class ReadingStatsStage extends BaseStage<ReadingStatsPage, Metrics> {
  readonly name = 'reading-stats';
  readonly dependencies = ['ocr'] as const;
  override readonly outputSchema = ReadingStatsPageSchema;
  override readonly checkpointSchema = MetricsSchema;
  override readonly reportSchema = MetricsSchema.pick({ pageNum: true, words: true, doubtfulWords: true });

  constructor(private readonly options: ReadingStatsOptions = {}) {
    super();
  }

  run(ctx: Context): Promise<StageStats> {
    // The OCR pages, validated against the OCR page schema: the reader knows the built-in stages' formats.
    const ocr = ctx.input('ocr');
    return processPages(ctx, {
      concurrency: 4,
      processPage: async (page) => {
        const stats = readingStats(await ocr.load(page), this.options);
        // pageNum, the time taken and a zero cost are filled in by processPages.
        return { data: stats, metrics: { words: stats.words, doubtfulWords: stats.doubtfulWords.length } };
      },
    });
  }

  override async after(ctx: Context, stats: StageStats): Promise<void> {
    await super.after(ctx, stats); // report.csv
    let words = 0;
    let seconds = 0;
    for (const page of await ctx.output.listPages()) {
      const p = await ctx.output.loadPage(page, ReadingStatsPageSchema);
      words += p.words;
      seconds += p.readingSeconds;
    }
    await ctx.output.writeFile('summary.json', `${JSON.stringify({ words, readingMinutes: Math.round(seconds / 6) / 10 }, null, 2)}\n`);
  }
}
