import type { StageStats } from './stage.js';
import type { CleanReport } from './storage.js';

/** Typed progress events emitted by the pipeline and by stages. Consumers switch on `type`. */
export type PipelineEvent =
  | { type: 'pipeline:start'; scanId: string; stages: string[] }
  | { type: 'pipeline:done'; scanId: string; ok: boolean; aborted: boolean; stages: Record<string, StageOutcome> }
  | { type: 'stage:start'; stage: string; totalPages: number; remainingPages: number }
  | { type: 'stage:skipped'; stage: string; reason: string }
  /** The stage's outputs were removed before it ran (`resume: false`): what went, what was left. */
  | { type: 'stage:cleaned'; stage: string; report: CleanReport }
  | { type: 'stage:progress'; stage: string; done: number; failed: number; inFlight: number; total: number; costUsd: number | null }
  | { type: 'stage:done'; stage: string; stats: StageStats }
  /** `stats`: what the stage did before it stopped (pages saved, cost paid), when it got as far as its page loop. */
  | { type: 'stage:failed'; stage: string; error: string; stats?: StageStats }
  | { type: 'page:done'; stage: string; page: number; durationMs: number; costUsd: number | null }
  | { type: 'page:failed'; stage: string; page: number; error: string }
  | { type: 'report:warning'; stage: string; page: number; problem: string }
  /** A stage-specific event passed through, e.g. an LLM request event. */
  | { type: 'stage:event'; stage: string; event: { type: string } & Record<string, unknown> };

export type PipelineEventType = PipelineEvent['type'];

/** What happened to one stage in a pipeline run. */
export type StageOutcome =
  | { status: 'done'; stats: StageStats }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; error: string; stats?: StageStats }
  | { status: 'not-run'; reason: string };

export type EmitFn = (event: PipelineEvent) => void;
