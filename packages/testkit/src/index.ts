/**
 * @bookpipe/testkit: test helpers shared by bookpipe's packages, never published. It depends on no
 * stage package (source, stage-*), so that every stage can use it in its own tests; helpers that run
 * stages live in @bookpipe/integration-tests. The sample-book generator is the `./sample-book` export
 * (it loads mupdf).
 */

export { type ChildFixture, deadPid, memoryLogger, type ProcessOutput, runChild, runNode } from './child-process.js';
export { encryptedPdf, pdfWithBrokenPage, truncatedCopy } from './damaged-files.js';
export { evalDir, evalFile, hasEval, noteSkip, ocrmypdf, pagesIn, REAL_PAGES, repoRoot, spread, type TruthPage, toPng } from './eval-data.js';
export type { JsonSchemaNode } from './json-schema-node.js';
export { type LoopbackRedis, redisServerMissing, startLoopbackRedis } from './loopback-redis.js';
export { type LoopbackS3, startLoopbackS3 } from './loopback-s3.js';
export { type MemoryIo, type MemoryStream, memoryIo } from './memory-io.js';
export { MARKED_PAGE, markedPagesTiff, pageMark } from './multi-page-tiff.js';
export { renderPdf } from './render-pdf.js';
export { type RunStageOptions, runStage } from './run-stage.js';
export { caseSeed, seededRandom, suiteSeed } from './seeded.js';
export { smallPage, type WordConfidences } from './small-page.js';
export { blankPagePng, type SourcePage, scanWithSourcePages } from './source-pages.js';
export { type SquareMetrics, SquareMetricsSchema, type SquarePage, SquarePageSchema, SquareStage, type SquareStageOptions } from './square-stage.js';
export { type StorageConformanceTarget, storageConformance } from './storage-conformance.js';
export {
  anthropicToolProblems,
  OPENAI_STRICT_LIMITS,
  openaiStrictProblems,
  type ResponseSchemaLike,
  type SchemaFigures,
  schemaFigures,
} from './structured-output-limits.js';
export { tempDir } from './temp-dir.js';
export { bodyCer, cer, normalizeText, wordRecall } from './text-compare.js';
