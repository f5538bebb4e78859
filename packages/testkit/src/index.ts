/**
 * @bookpipe/testkit: test helpers shared by bookpipe's packages, never published. It depends on no
 * stage package (source, stage-*), so that every stage can use it in its own tests; helpers that run
 * stages live in @bookpipe/integration-tests. The sample-book generator is the `./sample-book` export
 * (it loads mupdf).
 */
export { repoRoot, evalDir, hasEval, noteSkip, evalFile, ocrmypdf, REAL_PAGES, pagesIn, spread, toPng, type TruthPage } from './eval-data.js';
export { smallPage, type WordConfidences } from './small-page.js';
export { runStage, type RunStageOptions } from './run-stage.js';
export { tempDir } from './temp-dir.js';
export { truncatedCopy, pdfWithBrokenPage, encryptedPdf } from './damaged-files.js';
export { renderPdf } from './render-pdf.js';
export { scanWithSourcePages, type SourcePage } from './source-pages.js';
export { normalizeText, cer, bodyCer, wordRecall } from './text-compare.js';
export { runChild, deadPid, memoryLogger, type ChildFixture } from './child-process.js';
export { SquareStage, SquarePageSchema, SquareMetricsSchema, type SquarePage, type SquareMetrics, type SquareStageOptions } from './square-stage.js';
export { memoryIo, type MemoryIo, type MemoryStream } from './memory-io.js';
