import type { Continuation } from '@bookpipe/contracts';
import { addCounts, HISTOGRAM_BINS, histogramCounts } from './confidence-histogram.js';
import type { PageModel, PrintedNumber } from './page-model.js';

/** One stage as the book summary shows it, from its journal. */
export interface StageSummary {
  stage: string;
  /** Pages that have a page file in the stage's folder. */
  pagesWithFiles: number;
  complete: boolean;
  failed: { page: number; error: string }[];
  /** Pages whose metrics name an LLM provider. */
  llmPages: number;
  /** Sum of `costUsd` over the pages whose cost is known. */
  costUsd: number;
  /** Pages whose cost is recorded as unknown (null): the sum is then a lower bound. */
  costUnknownPages: number;
  promptTokens: number;
  completionTokens: number;
  /** "deterministic", "llm", the OCR engine and model... as the metrics say. */
  methods: string[];
  /** "<provider> <model>" of the LLM pages. */
  models: string[];
  warnings: string[];
}

/** A page's line in the book summary. */
export interface PageRow {
  page: number;
  printed: PrintedNumber | undefined;
  meanConfidence: number | null;
  words: number;
  lowWords: number;
  paragraphs: number;
  changedParagraphs: number;
  failedStages: string[];
  hasOcr: boolean;
  continuation: Continuation | undefined;
  thumbnail: { href: string; width: number; height: number } | null;
}

/** What the index page shows, gathered page by page so that no page model is kept. */
export class BookSummary {
  readonly rows: PageRow[] = [];
  readonly histogram = new Array<number>(HISTOGRAM_BINS).fill(0);
  readonly classCounts = new Map<string | null, number>();
  words = 0;
  lowWords = 0;
  confidenceSum = 0;
  paragraphs = 0;
  changedParagraphs = 0;

  constructor(
    readonly scan: { scanId: string; title: string | null; author: string | null; year: number | null },
    readonly pages: readonly number[],
    readonly stages: readonly StageSummary[],
    /** Pipeline stages not run on the scan at all. */
    readonly missingStages: readonly string[],
    readonly lowConfidence: number,
    readonly generatedAt: string,
  ) {}

  add(model: PageModel, thumbnail: PageRow['thumbnail']): void {
    addCounts(this.histogram, histogramCounts(model.confidences));
    this.words += model.words;
    this.lowWords += model.lowWords;
    for (const c of model.confidences) this.confidenceSum += c;
    this.paragraphs += model.paragraphs;
    this.changedParagraphs += model.changedParagraphs;
    for (const b of model.blocks) this.classCounts.set(b.cls, (this.classCounts.get(b.cls) ?? 0) + 1);
    this.rows.push({
      page: model.page,
      printed: model.printed,
      meanConfidence: model.meanConfidence,
      words: model.words,
      lowWords: model.lowWords,
      paragraphs: model.paragraphs,
      changedParagraphs: model.changedParagraphs,
      failedStages: [...new Set([...model.failures, ...model.unreadable].map((f) => f.stage))],
      hasOcr: model.hasOcr,
      continuation: model.continuation,
      thumbnail,
    });
  }

  /** Mean OCR word confidence over the book (every word weighs the same); null without words. */
  get meanConfidence(): number | null {
    return this.words === 0 ? null : this.confidenceSum / this.words;
  }

  get totalCostUsd(): number {
    return this.stages.reduce((sum, s) => sum + s.costUsd, 0);
  }
}
