// Moved to @bookpipe/book-pipeline (runLibrary names scans the same way); re-exported for existing callers.
export { scanIdFromInput } from '@bookpipe/book-pipeline';
export { type CliIo, processIo } from './cli-io.js';
export { CLI_LLM_SETTINGS, decideLlm, type LlmMode } from './llm-mode.js';
export { ExitCode } from './print-error.js';
export { main } from './program.js';
export { ProgressState, type StageProgress, type StageStatus } from './progress/progress-state.js';
export { JsonReporter, type Output, PlainReporter, type Reporter, type ReporterOptions, TerminalReporter } from './progress/reporters.js';
export { resumeCommand, shellQuote } from './resume-command.js';
export { type RunAllFlags, runAllCommand, summaryTable } from './run-all-command.js';
export { type RunFlags, runCommand, runConfig } from './run-command.js';
export { cleanCommand, reportCommand, type ScanFlags, statusCommand } from './scan-commands.js';
export { KNOWN_STAGES, type KnownStage, type PlanOptions, parseStageList, planRun } from './stage-plan.js';
