import type { PipelineEvent } from '@bookpipe/core';

export type StageStatus = 'waiting' | 'running' | 'done' | 'skipped' | 'failed' | 'not-run';

/** What the CLI shows of one stage, folded from pipeline events. */
export interface StageProgress {
  name: string;
  status: StageStatus;
  /** Pages the stage should have when done. */
  total: number;
  /** Pages done, including those done in earlier runs. */
  done: number;
  /** Pages done when this run of the stage started (resume): the ETA counts only this run's pace. */
  doneAtStart: number;
  failed: number;
  inFlight: number;
  /** Cost so far in USD; null when some page's price is unknown. */
  costUsd: number | null;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  /** Why it was skipped, failed or not run. */
  note: string | undefined;
}

/** The progress of every stage of a run, updated by `apply(event)`. `now` is injectable for tests. */
export class ProgressState {
  readonly stages = new Map<string, StageProgress>();
  readonly #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Folds one event in. Returns true when it changed what is shown. */
  apply(event: PipelineEvent): boolean {
    switch (event.type) {
      case 'pipeline:start':
        for (const name of event.stages) this.stages.set(name, blank(name));
        return true;
      case 'stage:start': {
        const stage = this.#stage(event.stage);
        Object.assign(stage, {
          status: 'running',
          total: event.totalPages,
          done: event.totalPages - event.remainingPages,
          doneAtStart: event.totalPages - event.remainingPages,
          failed: 0,
          inFlight: 0,
          startedAt: this.#now(),
        });
        return true;
      }
      case 'stage:progress': {
        const stage = this.#stage(event.stage);
        Object.assign(stage, { total: event.total, done: event.done, failed: event.failed, inFlight: event.inFlight, costUsd: event.costUsd });
        if (stage.status === 'waiting') Object.assign(stage, { status: 'running', startedAt: this.#now() });
        return true;
      }
      case 'stage:done': {
        const stage = this.#stage(event.stage);
        const { stats } = event;
        Object.assign(stage, {
          status: stats.aborted ? 'not-run' : 'done',
          done: stats.pagesSkipped + stats.pagesProcessed,
          failed: stats.pagesFailed,
          inFlight: 0,
          costUsd: stats.totalCostUsd,
          finishedAt: this.#now(),
          note: stats.aborted ? 'stopped' : undefined,
        });
        if (stage.total < stage.done + stage.failed) stage.total = stage.done + stage.failed;
        return true;
      }
      case 'stage:skipped':
        Object.assign(this.#stage(event.stage), { status: 'skipped', note: event.reason, finishedAt: this.#now() });
        return true;
      case 'stage:failed': {
        const stage = this.#stage(event.stage);
        Object.assign(stage, { status: 'failed', note: event.error, inFlight: 0, finishedAt: this.#now() });
        // Stopped in its page loop (a refused key): what it saved and paid still shows.
        if (event.stats) {
          Object.assign(stage, {
            done: event.stats.pagesSkipped + event.stats.pagesProcessed,
            failed: event.stats.pagesFailed,
            costUsd: event.stats.totalCostUsd,
          });
        }
        return true;
      }
      case 'pipeline:done':
        for (const [name, outcome] of Object.entries(event.stages)) {
          const stage = this.#stage(name);
          if (outcome.status === 'not-run' && stage.status === 'waiting') Object.assign(stage, { status: 'not-run', note: outcome.reason });
        }
        return true;
      default:
        return false;
    }
  }

  /** Seconds left for a running stage at its pace in this run; undefined until a page is done. */
  etaSeconds(stage: StageProgress): number | undefined {
    if (stage.status !== 'running' || stage.startedAt === undefined) return undefined;
    const finished = stage.done - stage.doneAtStart + stage.failed;
    const left = stage.total - stage.done - stage.failed;
    const elapsed = (this.#now() - stage.startedAt) / 1000;
    if (finished <= 0 || elapsed <= 0) return undefined;
    return (left * elapsed) / finished;
  }

  /** Seconds since the stage started (to its end when finished). */
  elapsedSeconds(stage: StageProgress): number | undefined {
    if (stage.startedAt === undefined) return undefined;
    return ((stage.finishedAt ?? this.#now()) - stage.startedAt) / 1000;
  }

  #stage(name: string): StageProgress {
    let stage = this.stages.get(name);
    if (!stage) {
      stage = blank(name);
      this.stages.set(name, stage);
    }
    return stage;
  }
}

function blank(name: string): StageProgress {
  return {
    name,
    status: 'waiting',
    total: 0,
    done: 0,
    doneAtStart: 0,
    failed: 0,
    inFlight: 0,
    costUsd: 0,
    startedAt: undefined,
    finishedAt: undefined,
    note: undefined,
  };
}
