// bookpipe's default pipeline in one call, for the CLI, the examples, the benchmarks and your own app.
// A tool-level package: it depends on every stage, and no stage depends on it.

// The key variables are the kit's; re-exported so that tools on this package need not depend on the kit.
// The batch journal of an LLM stage (`batches.json`), read by `bookpipe status` to list batches in flight.
export { API_KEY_VARIABLES, BATCH_JOURNAL_FILE, type BatchJournalEntry, type LlmBatchMode, readBatchJournal } from '@bookpipe/kit';
export {
  BOOK_STAGES,
  type BookPipeline,
  type BookPipelineLlm,
  type BookPipelineOptions,
  type BookStageName,
  createBookPipeline,
  type LlmSettings,
  type MergeInputs,
  type SharedLlm,
} from './book-pipeline.js';
export {
  type BookStatus,
  type BookSummary,
  DEFAULT_LIBRARY_CONCURRENCY,
  type LibraryBook,
  type LibraryEvent,
  type LibraryOptions,
  type LibraryResult,
  libraryBooks,
  runLibrary,
} from './library.js';
export { chooseLlm, type LlmChoice } from './llm-choice.js';
export { decideLlm, ENV_SETTING_NAMES, type LlmDecision, type LlmSettingNames } from './llm-decision.js';
export { scanIdFromInput } from './scan-id.js';
