import { type PipelineEvent, type StageStats, safeStringify } from '@bookpipe/core';
import { describeClean } from '../clean-report.js';
import { plainLine, stageLine } from './format.js';
import { ProgressState } from './progress-state.js';

/** Where a run's progress and messages go. */
export interface Reporter {
  event(event: PipelineEvent): void;
  /** A line for the user (a note, a warning, the final summary). */
  message(text: string): void;
  /** Final redraw; stops timers. */
  close(): void;
}

/** The writable end a reporter uses: process.stdout / stderr, or a test double. */
export interface Output {
  write(text: string): unknown;
  columns?: number;
}

export interface ReporterOptions {
  /** Show a cost column (some stage of the run can cost money). */
  costs: boolean;
  now?: () => number;
}

/**
 * A line worth telling the user about an event, whatever the display. `failedFor` remembers which
 * stage first failed with each error: two LLM stages sharing a client whose key was refused fail with
 * the same message, which is shown once.
 */
function eventMessage(event: PipelineEvent, failedFor: Map<string, string>, costs: boolean): string | undefined {
  switch (event.type) {
    case 'page:failed':
      return `${event.stage}: page ${event.page} failed: ${event.error}`;
    case 'stage:failed': {
      const done = event.stats ? ` (${stoppedSummary(event.stats, costs)})` : '';
      const first = failedFor.get(event.error);
      if (first !== undefined) return `${event.stage}: FAILED, for the same reason as ${first}${done}`;
      failedFor.set(event.error, event.stage);
      return `${event.stage}: FAILED${done}: ${event.error}`;
    }
    case 'report:warning':
      return `${event.stage}: report.csv, page ${event.page}: ${event.problem}`;
    case 'stage:cleaned':
      return describeClean(event.report);
    case 'stage:event': {
      const inner = event.event;
      if (inner.type === 'source:ignored') return `${event.stage}: ignored ${String(inner.path ?? inner.file ?? '')} ${String(inner.reason ?? '')}`.trim();
      if (inner.type.endsWith(':warning') && typeof inner.message === 'string') return `${event.stage}: ${inner.message}`;
      if (inner.type === 'merge:stale' && typeof inner.reason === 'string') return `${event.stage}: merging again from scratch: ${inner.reason}`;
      if (inner.type === 'batchSubmitted')
        return `${event.stage}: submitted batch ${String(inner.batchId)} to ${String(inner.provider)} (${String(inner.requests)} pages)`;
      // Progress while a provider batch runs, from the provider's own counts: one line per poll.
      if (inner.type === 'batchStatus') {
        return `${event.stage}: batch ${String(inner.batchId)} ${String(inner.providerStatus)}: ${String(inner.succeeded)} answered, ${String(inner.failed)} failed of ${String(inner.total)}`;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * What a stage that stopped early did, for its FAILED line: "3 pages saved, 0 failed, $0.0042 paid; the
 * rest stay to do". A stop by a refused key still leaves what was paid before it: never shown as $0.
 */
export function stoppedSummary(stats: StageStats, costs: boolean): string {
  const cost = costs ? `, ${stats.totalCostUsd === null ? 'cost unknown' : `$${stats.totalCostUsd.toFixed(4)} paid`}` : '';
  return `${stats.pagesProcessed} pages saved, ${stats.pagesFailed} failed${cost}; the rest stay to do`;
}

/** Progress bars on a terminal: one line per stage, redrawn in place at most 10 times a second. */
export class TerminalReporter implements Reporter {
  readonly #state: ProgressState;
  readonly #out: Output;
  readonly #options: ReporterOptions;
  readonly #failedFor = new Map<string, string>();
  #drawn = 0;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(out: Output, options: ReporterOptions) {
    this.#out = out;
    this.#options = options;
    this.#state = new ProgressState(options.now);
    // The ETA and elapsed times move between events too.
    this.#timer = setInterval(() => this.#draw(), 500);
    this.#timer.unref();
  }

  event(event: PipelineEvent): void {
    const text = eventMessage(event, this.#failedFor, this.#options.costs);
    if (text) this.message(text);
    if (this.#state.apply(event)) this.#draw();
  }

  message(text: string): void {
    this.#clear();
    this.#out.write(`${text}\n`);
    this.#draw();
  }

  /** Draws the final state once; the lines stay, and later messages go below them. */
  close(): void {
    if (this.#closed) return;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#draw();
    this.#drawn = 0;
    this.#closed = true;
  }

  #clear(): void {
    if (this.#drawn > 0) this.#out.write(`\x1b[${this.#drawn}F\x1b[0J`);
    this.#drawn = 0;
  }

  #draw(): void {
    if (this.#closed) return;
    const stages = [...this.#state.stages.values()];
    if (stages.length === 0) return;
    const nameWidth = Math.max(...stages.map((s) => s.name.length));
    // A pseudo-terminal may report 0 columns: then assume a common width.
    const width = Math.max(40, (this.#out.columns || 100) - 1);
    const lines = stages.map((stage) => stageLine(this.#state, stage, { nameWidth, costs: this.#options.costs }).slice(0, width));
    this.#clear();
    this.#out.write(lines.map((line) => `${line}\n`).join(''));
    this.#drawn = lines.length;
  }
}

/**
 * Plain lines, for pipes and CI logs: a line when a stage starts, ends or fails, a progress line per
 * stage at most every `intervalMs`, and every failed page.
 */
export class PlainReporter implements Reporter {
  readonly #state: ProgressState;
  readonly #out: Output;
  readonly #options: ReporterOptions & { intervalMs: number };
  readonly #lastLine = new Map<string, number>();
  readonly #failedFor = new Map<string, string>();
  readonly #now: () => number;

  constructor(out: Output, options: ReporterOptions & { intervalMs?: number }) {
    this.#out = out;
    this.#now = options.now ?? (() => performance.now());
    this.#options = { ...options, intervalMs: options.intervalMs ?? 5000 };
    this.#state = new ProgressState(this.#now);
  }

  event(event: PipelineEvent): void {
    this.#state.apply(event);
    const text = eventMessage(event, this.#failedFor, this.#options.costs);
    if (text) this.message(text);
    switch (event.type) {
      case 'stage:start':
        this.message(`${event.stage}: ${event.totalPages} pages, ${event.remainingPages} to do`);
        this.#lastLine.set(event.stage, this.#now());
        break;
      case 'stage:progress': {
        const last = this.#lastLine.get(event.stage) ?? 0;
        if (this.#now() - last >= this.#options.intervalMs) {
          this.#lastLine.set(event.stage, this.#now());
          const stage = this.#state.stages.get(event.stage);
          if (stage) this.message(plainLine(this.#state, stage, this.#options));
        }
        break;
      }
      case 'stage:done': {
        const { stats } = event;
        const cost = this.#options.costs ? `, ${stats.totalCostUsd === null ? 'cost unknown' : `$${stats.totalCostUsd.toFixed(4)}`}` : '';
        this.message(
          stats.aborted
            ? `${event.stage}: stopped after ${stats.pagesProcessed} pages`
            : `${event.stage}: done in ${stats.durationSeconds.toFixed(1)} s (${stats.pagesProcessed} pages, ${stats.pagesSkipped} already done, ${stats.pagesFailed} failed${cost})`,
        );
        break;
      }
      case 'stage:skipped':
        this.message(`${event.stage}: skipped (${event.reason})`);
        break;
      default:
        break;
    }
  }

  message(text: string): void {
    this.#out.write(`${text}\n`);
  }

  close(): void {}
}

/** One JSON PipelineEvent per line on `events` (stdout); messages for people go to `messages` (stderr). */
export class JsonReporter implements Reporter {
  readonly #events: Output;
  readonly #messages: Output;

  constructor(events: Output, messages: Output) {
    this.#events = events;
    this.#messages = messages;
  }

  event(event: PipelineEvent): void {
    this.#events.write(`${safeStringify(event)}\n`);
  }

  message(text: string): void {
    this.#messages.write(`${text}\n`);
  }

  close(): void {}
}
