import { BookpipeError, ErrorCode } from '@bookpipe/core';

export interface MergeStageOptions {
  /**
   * Overrides how the merge reads correction and label, which are optional dependencies by default:
   * read when in the pipeline (which runs them first) or complete in the scan, left out otherwise.
   * `true` makes one required (a scan without it is refused with the next step); `false` merges
   * without it even when it is there: with `{ correction: false, label: false }` the merge is
   * OCR-only, every block BODY with confidence 0 and `labelMissing: true`, every paragraph with its
   * OCR text.
   * @default { correction: undefined, label: undefined } (both optional)
   * `createBookPipeline` pins both: required when they run in the pipeline or completed in the scan, so a
   * correction stage whose every page failed stops the merge with that reason instead of a book without it.
   * @example new MergeStage({ use: { correction: false } }) // OCR text, labelled blocks when there
   */
  use?: { correction?: boolean; label?: boolean };
  /**
   * Pages read and written at once. Merging is cheap; this only overlaps file reads and writes (fsync).
   * @default 16
   */
  concurrency?: number;
}

export interface ResolvedMergeOptions {
  /** Per input: true = required, false = not read, undefined = optional (read when available). */
  use: { correction: boolean | undefined; label: boolean | undefined };
  concurrency: number;
}

/** Defaults first, then every option checked. @throws BookpipeError CONFIG_INVALID naming the option and value. */
export function resolveMergeOptions(options: MergeStageOptions = {}): ResolvedMergeOptions {
  const invalid = (name: string, value: unknown, expected: string) =>
    new BookpipeError(ErrorCode.CONFIG_INVALID, `[stage-merge] Invalid option \`${name}\`: ${JSON.stringify(value) ?? String(value)}. Expected ${expected}.`, {
      details: { option: name },
    });
  if (typeof options !== 'object' || options === null) throw invalid('options', options, 'an object');
  const use = { correction: options.use?.correction, label: options.use?.label };
  for (const [name, value] of Object.entries(use)) {
    if (value !== undefined && typeof value !== 'boolean') throw invalid(`use.${name}`, value, 'true or false');
  }
  const concurrency = options.concurrency ?? 16;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw invalid('concurrency', concurrency, 'an integer >= 1');
  return { use, concurrency };
}
