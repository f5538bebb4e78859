import { BookpipeError, ErrorCode } from '@bookpipe/core';

export interface MergeStageOptions {
  /**
   * Which stages the merge reads besides "ocr". Each one used is a dependency of the stage, so a
   * pipeline runs it first (and a scan without it is refused with the next step). Leave a stage out
   * to merge without it: with `{ correction: false, label: false }` the merge is OCR-only, every block
   * BODY with confidence 0 and `labelMissing: true`, every paragraph with its OCR text.
   * @default { correction: true, label: true }
   * @example new MergeStage({ use: { correction: false, label: true } }) // OCR text, labelled blocks
   */
  use?: { correction?: boolean; label?: boolean };
  /**
   * Pages read and written at once. Merging is cheap; this only overlaps file reads and writes (fsync).
   * @default 16
   */
  concurrency?: number;
}

export interface ResolvedMergeOptions {
  use: { correction: boolean; label: boolean };
  concurrency: number;
}

/** Defaults first, then every option checked. @throws BookpipeError CONFIG_INVALID naming the option and value. */
export function resolveMergeOptions(options: MergeStageOptions = {}): ResolvedMergeOptions {
  const invalid = (name: string, value: unknown, expected: string) =>
    new BookpipeError(ErrorCode.CONFIG_INVALID, `[stage-merge] Invalid option \`${name}\`: ${JSON.stringify(value) ?? String(value)}. Expected ${expected}.`, {
      details: { option: name },
    });
  if (typeof options !== 'object' || options === null) throw invalid('options', options, 'an object');
  const use = { correction: options.use?.correction ?? true, label: options.use?.label ?? true };
  for (const [name, value] of Object.entries(use)) {
    if (typeof value !== 'boolean') throw invalid(`use.${name}`, value, 'true or false');
  }
  const concurrency = options.concurrency ?? 16;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw invalid('concurrency', concurrency, 'an integer >= 1');
  return { use, concurrency };
}
