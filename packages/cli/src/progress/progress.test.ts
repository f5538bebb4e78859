import type { PipelineEvent, StageStats } from '@bookpipe/core';
import { describe, expect, it } from 'vitest';
import { formatCost, formatDuration, stageLine } from './format.js';
import { ProgressState } from './progress-state.js';
import { JsonReporter, PlainReporter, TerminalReporter } from './reporters.js';

const stats = (over: Partial<StageStats> = {}): StageStats => ({
  stage: 'ocr',
  pagesProcessed: 8,
  pagesFailed: 1,
  pagesSkipped: 2,
  totalCostUsd: 0.0123,
  durationSeconds: 12,
  failures: [{ page: 4, error: 'unreadable' }],
  aborted: false,
  ...over,
});

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('ProgressState', () => {
  it("folds events into pages done, failed, in flight, cost and an ETA at this run's pace", () => {
    const c = clock();
    const state = new ProgressState(c.now);
    state.apply({ type: 'pipeline:start', scanId: 's', stages: ['ocr', 'merge'] });
    state.apply({ type: 'stage:start', stage: 'ocr', totalPages: 12, remainingPages: 10 });
    const ocr = state.stages.get('ocr')!;
    expect(state.etaSeconds(ocr)).toBeUndefined();
    c.advance(4000);
    state.apply({ type: 'stage:progress', stage: 'ocr', done: 4, failed: 0, inFlight: 2, total: 12, costUsd: 0.5 });
    // 2 pages of this run in 4 s, 8 left: 16 s.
    expect(state.etaSeconds(ocr)).toBe(16);
    expect(ocr).toMatchObject({ status: 'running', done: 4, inFlight: 2, costUsd: 0.5 });
    expect(state.stages.get('merge')!.status).toBe('waiting');
    state.apply({ type: 'stage:done', stage: 'ocr', stats: stats() });
    expect(ocr).toMatchObject({ status: 'done', done: 10, failed: 1, inFlight: 0 });
    state.apply({
      type: 'pipeline:done',
      scanId: 's',
      ok: false,
      aborted: true,
      stages: { ocr: { status: 'done', stats: stats() }, merge: { status: 'not-run', reason: 'aborted' } },
    });
    expect(state.stages.get('merge')).toMatchObject({ status: 'not-run', note: 'aborted' });
  });
});

describe('formatting', () => {
  it('durations, costs and a stage line with bar, counts, failures, in flight, cost and ETA', () => {
    expect(formatDuration(65)).toBe('1:05');
    expect(formatDuration(3723)).toBe('1:02:03');
    expect(formatCost(0.01234)).toBe('$0.0123');
    expect(formatCost(12.5)).toBe('$12.50');
    expect(formatCost(null)).toBe('cost unknown');
    const c = clock();
    const state = new ProgressState(c.now);
    state.apply({ type: 'stage:start', stage: 'label', totalPages: 10, remainingPages: 10 });
    c.advance(10_000);
    state.apply({ type: 'stage:progress', stage: 'label', done: 5, failed: 0, inFlight: 3, total: 10, costUsd: 0.02 });
    const line = stageLine(state, state.stages.get('label')!, { nameWidth: 10, costs: true });
    expect(line).toBe(`label      ${'█'.repeat(10)}${'░'.repeat(10)}  5/10 pages  3 in flight  $0.0200  ETA 0:10`);
  });
});

describe('reporters', () => {
  const events: PipelineEvent[] = [
    { type: 'pipeline:start', scanId: 's', stages: ['ocr'] },
    { type: 'stage:start', stage: 'ocr', totalPages: 3, remainingPages: 3 },
    { type: 'page:failed', stage: 'ocr', page: 2, error: 'Page 2: unreadable image' },
    { type: 'stage:done', stage: 'ocr', stats: stats({ pagesProcessed: 2, pagesFailed: 1, pagesSkipped: 0 }) },
  ];

  it('terminal: redraws the stage lines in place and prints messages above them', () => {
    let out = '';
    const reporter = new TerminalReporter({ write: (t: string) => (out += t), columns: 100 }, { costs: false, now: () => 0 });
    for (const e of events) reporter.event(e);
    reporter.close();
    expect(out).toContain('ocr: page 2 failed: Page 2: unreadable image\n');
    expect(out).toContain('\x1b[1F\x1b[0J');
    expect(out.split('\x1b[0J').at(-1)).toMatch(/^ocr █+░* 2\/3 pages {2}1 failed {2}done in 0:00\n$/);
    // After close, the final lines stay and messages go below them.
    reporter.message('book.md: /tmp/book.md');
    expect(out.split('\x1b[0J').at(-1)).toMatch(/done in 0:00\nbook\.md: \/tmp\/book\.md\n$/);
  });

  it('terminal: a terminal that reports no width gets lines cut at 99 characters, not at 0', () => {
    let out = '';
    const reporter = new TerminalReporter({ write: (t: string) => (out += t), columns: 0 }, { costs: true, now: () => 0 });
    reporter.event({ type: 'stage:start', stage: 'correction', totalPages: 400, remainingPages: 400 });
    reporter.close();
    expect(out).toContain('correction ░░░░░░░░░░░░░░░░░░░░   0/400 pages  0 in flight  $0.0000  ETA …');
  });

  it('plain: a line per start, end and failed page', () => {
    let out = '';
    const reporter = new PlainReporter({ write: (t: string) => (out += t) }, { costs: false });
    for (const e of events) reporter.event(e);
    expect(out.split('\n').filter(Boolean)).toEqual([
      'ocr: 3 pages, 3 to do',
      'ocr: page 2 failed: Page 2: unreadable image',
      'ocr: done in 12.0 s (2 pages, 0 already done, 1 failed)',
    ]);
  });

  it('json: one event per line on stdout, messages on stderr', () => {
    let out = '';
    let err = '';
    const reporter = new JsonReporter({ write: (t: string) => (out += t) }, { write: (t: string) => (err += t) });
    for (const e of events) reporter.event(e);
    reporter.message('hello');
    expect(
      out
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual(events);
    expect(err).toBe('hello\n');
  });
});
