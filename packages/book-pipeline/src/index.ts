// bookpipe's default pipeline in one call, for the CLI, the examples, the benchmarks and your own app.
// A tool-level package: it depends on every stage, and no stage depends on it.
export {
  createBookPipeline,
  BOOK_STAGES,
  type BookStageName,
  type BookPipelineOptions,
  type BookPipelineLlm,
  type BookPipeline,
  type SharedLlm,
  type LlmSettings,
  type MergeInputs,
} from './book-pipeline.js';
export { chooseLlm, type LlmChoice } from './llm-choice.js';
export { decideLlm, ENV_SETTING_NAMES, type LlmDecision, type LlmSettingNames } from './llm-decision.js';
// The key variables are stage-kit's; re-exported so that tools on this package need not depend on the kit.
export { API_KEY_VARIABLES } from '@bookpipe/stage-kit';
