// The plain types of batch mode (provider batch APIs): what submitBatch returns and collectBatch takes.
import type { BatchSummary, ProcessBatchOptions } from '../types.js';

/**
 * A submitted provider batch: everything needed to collect it later, from another process too.
 * Plain JSON: journal it before waiting (a rerun collects the same batch instead of paying twice).
 */
export interface BatchHandle {
  /** The provider's `name` (e.g. `openai`, `anthropic`): collecting through another provider is refused. */
  provider: string;
  /** The provider's batch id (`batch_...`, `msgbatch_...`). */
  id: string;
  /** The request ids (the batch's `custom_id`s), in order. */
  requestIds: string[];
  /** When it was submitted, ISO 8601. */
  submittedAt: string;
}

/** Where a provider batch stands, after a status poll. */
export interface BatchStatusReport {
  batchId: string;
  provider: string;
  state: 'in_progress' | 'ended';
  /** The provider's own status word (`in_progress`, `finalizing`, `completed`, `expired`, `cancelled`, `ended`...). */
  providerStatus: string;
  total: number;
  succeeded: number;
  failed: number;
  /** Polls so far in this collect call. */
  polls: number;
}

export interface SubmitBatchOptions {
  /** Aborting stops retrying the create call; a batch already created is not cancelled. */
  signal?: AbortSignal;
}

export interface CollectBatchOptions<Value = unknown, Metadata = unknown> extends ProcessBatchOptions<Value, Metadata> {
  /** After every status poll: the provider's counts, for progress. */
  onStatus?: (status: BatchStatusReport) => void;
  /**
   * Requests of the batch that got no usable answer (failed, expired, cancelled, missing from the
   * results, or not valid against their schema) sent again through the live API, at most this many;
   * the others fail with their batch reason (retryable: a rerun tries them again).
   * @default every such request
   */
  maxLiveFallback?: number;
}

/** What collectBatch adds to a live batch's summary. */
export interface CollectedBatchSummary extends BatchSummary {
  batch: {
    id: string;
    provider: string;
    providerStatus: string;
    /** Requests answered from the batch (at batch prices). */
    answered: number;
    /** Requests sent again live (at live prices), and why the batch did not answer them. */
    liveFallback: { id: string; reason: string }[];
    /** Status polls made. */
    polls: number;
  };
}
