import { BookpipeError, ErrorCode, type StageStorage } from '@bookpipe/core';
import type { BatchHandle, BatchStatusReport } from '@bookpipe/llm-batch';

/** The stage-level file that journals a stage's provider batches, written atomically before any wait. */
export const BATCH_JOURNAL_FILE = 'batches.json';

export interface BatchJournalEntry {
  handle: BatchHandle;
  model: string;
  /** `in_progress` until its answers are saved (or failed); `collected` after. */
  state: 'in_progress' | 'collected';
  /** The provider's counts at the last poll. */
  counts?: { total: number; succeeded: number; failed: number; providerStatus: string };
  updatedAt: string;
}

export interface BatchJournal {
  version: 1;
  batches: BatchJournalEntry[];
}

/** Why a parsed file is no batch journal, or undefined when it is one (kit has no zod at run time). */
function journalProblem(value: unknown): string | undefined {
  const v = value as { version?: unknown; batches?: unknown } | null;
  if (typeof v !== 'object' || v === null) return 'not a JSON object';
  if (v.version !== 1) return `unknown version ${JSON.stringify(v.version)}`;
  if (!Array.isArray(v.batches)) return '`batches` is not a list';
  for (const [index, entry] of (v.batches as Partial<BatchJournalEntry>[]).entries()) {
    const h = entry?.handle;
    if (typeof h?.id !== 'string' || typeof h.provider !== 'string' || !Array.isArray(h.requestIds) || typeof h.submittedAt !== 'string') {
      return `batches[${index}].handle is not a batch handle`;
    }
    if (entry.state !== 'in_progress' && entry.state !== 'collected') return `batches[${index}].state is ${JSON.stringify(entry.state)}`;
    if (typeof entry.model !== 'string') return `batches[${index}].model is missing`;
  }
  return undefined;
}

/** The stage's batch journal, or an empty one when the stage never submitted a batch. */
export async function readBatchJournal(stage: Pick<StageStorage, 'readFile' | 'filePath' | 'stageName'>): Promise<BatchJournal> {
  let text: string;
  try {
    text = await stage.readFile(BATCH_JOURNAL_FILE);
  } catch (error) {
    if (BookpipeError.isInstance(error) && error.code === ErrorCode.DEPENDENCY_MISSING) return { version: 1, batches: [] };
    throw error;
  }
  const parsed = safeJson(text);
  const problem = journalProblem(parsed);
  if (problem) {
    throw new BookpipeError(
      ErrorCode.FILE_CORRUPT,
      `The batch journal ${stage.filePath(BATCH_JOURNAL_FILE)} of stage "${stage.stageName}" is not valid (${problem}). It names provider batches that may still hold paid answers: fix it by hand, or delete it to submit the remaining pages again.`,
      { details: { stage: stage.stageName, file: stage.filePath(BATCH_JOURNAL_FILE) } },
    );
  }
  return parsed as BatchJournal;
}

/** Writes the journal atomically (temp file + rename): the old content or the new, never a mix. */
export async function writeBatchJournal(stage: Pick<StageStorage, 'writeFile'>, journal: BatchJournal): Promise<void> {
  await stage.writeFile(BATCH_JOURNAL_FILE, `${JSON.stringify(journal, null, 2)}\n`);
}

/** Records a batch, or updates its entry: state, last counts. */
export function upsertBatch(
  journal: BatchJournal,
  handle: BatchHandle,
  model: string,
  update: Partial<Pick<BatchJournalEntry, 'state'>> & { status?: BatchStatusReport },
): BatchJournal {
  const now = new Date().toISOString();
  const existing = journal.batches.find((entry) => entry.handle.id === handle.id);
  const counts = update.status
    ? { total: update.status.total, succeeded: update.status.succeeded, failed: update.status.failed, providerStatus: update.status.providerStatus }
    : existing?.counts;
  const entry: BatchJournalEntry = {
    handle,
    model,
    state: update.state ?? existing?.state ?? 'in_progress',
    ...(counts ? { counts } : {}),
    updatedAt: now,
  };
  return { version: 1, batches: [...journal.batches.filter((e) => e.handle.id !== handle.id), entry] };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
