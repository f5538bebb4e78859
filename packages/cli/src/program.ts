import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { CliIo } from './cli-io.js';
import type { SubmitFlags, WorkerFlags } from './distributed-commands.js';
import type { EvalFlags } from './eval-command.js';
import { ExitCode } from './exit-code.js';
import { KNOWN_STAGES, OCR_WORKER_MEMORY } from './known-stages.js';
import type { RunAllFlags } from './run-all-command.js';
import type { RunFlags } from './run-command.js';
import type { ScanFlags, StatusFlags } from './scan-commands.js';
import type { ViewFlags } from './view-command.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected an integer >= 1.');
  return n;
}

/** The `bookpipe` command line. Actions store their exit code in `result.code`. */
function buildProgram(io: CliIo, args: readonly string[], result: { code: number }): Command {
  const program = new Command()
    .name('bookpipe')
    .description('Turn scanned books (PDFs or page images) into structured, verifiable text.')
    .version(version)
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .showHelpAfterError('(run `bookpipe --help` for usage)')
    .addHelpText(
      'after',
      `
API keys are read from the environment only (OPENAI_API_KEY, ANTHROPIC_API_KEY, OPENROUTER_API_KEY), never
from arguments: a scan's .lock file records the command line. Other settings: BOOKPIPE_ROOT,
BOOKPIPE_OCR_WORKERS, BOOKPIPE_LOG_LEVEL, BOOKPIPE_LLM_* (see @bookpipe/core's loadConfig), and
BOOKPIPE_STOP_GRACE_SECONDS (default 30): on a first Ctrl-C, SIGTERM or SIGHUP, pages in flight get
this long to finish and be saved; a second abandons them, a third quits at once.
Set BOOKPIPE_DEBUG=1 to see stack traces.`,
    );

  const root = () => new Option('--root <dir>', 'folder holding one sub-folder per scan (default: BOOKPIPE_ROOT, else ./scans)');
  const json = (what: string) => new Option('--json', what);

  program
    .command('run')
    .description('Run the pipeline on a book; run the same command again to resume')
    .argument('[inputs...]', 'PDF files, page images or folders of page images, in book order')
    .option('--scan-id <id>', 'name of the scan (default: from the first input file name)')
    .addOption(root())
    .option('--stages <list>', `comma-separated stages to run (default: ${KNOWN_STAGES.join(',')})`)
    .addOption(new Option('--provider <name>', 'LLM provider (default: the one whose API key is set)').choices(['openai', 'anthropic', 'openrouter', 'ollama']))
    .option('--model <name>', 'LLM model name')
    .option('--base-url <url>', 'base URL of an OpenAI-compatible server (Ollama, vLLM, LM Studio)')
    .option(
      '--workers <n>',
      `OCR worker threads, at most the number of CPUs (${availableParallelism()} here); on 300 DPI pages they hold ${OCR_WORKER_MEMORY} (default: BOOKPIPE_OCR_WORKERS, else the number of CPUs)`,
      positiveInteger,
    )
    .option('--lang <codes>', 'OCR language(s), tesseract codes joined by "+", e.g. deu+lat (default: BOOKPIPE_OCR_LANG, else guessed from the first pages)')
    .option('--clean', "remove the outputs of the run's stages first and start afresh")
    .option(
      '--batch',
      'send correction and label as provider batches (OpenAI, Anthropic): half the price, answered within 24 hours; stop any time, run again to collect',
    )
    .option('--no-wait', 'with --batch: submit the batches (or collect those that have ended) and return')
    .addOption(json('print one JSON pipeline event per line on stdout'))
    .action(async (inputs: string[], flags: RunFlags) => {
      // Each command loads what it uses when it runs: `run` brings the stages (sharp, mupdf, piscina,
      // tesseract.js, the LLM SDKs), which `status`, `report` and `--help` must not pay for.
      const { runCommand } = await import('./run-command.js');
      result.code = await runCommand(inputs, flags, io, args);
    });

  program
    .command('run-all')
    .description(
      'Run the pipeline on many books, each into its own scan, sharing one OCR pool and one LLM client; ends with a summary table. Run the same command again to resume every book',
    )
    .argument('<folder|list>', 'a folder whose PDFs and folders of page images are one book each, or a text file with one path per line ("#" comments)')
    .option('--out <dir>', 'folder holding one sub-folder per scan (default: BOOKPIPE_ROOT, else ./scans)')
    .option('--stages <list>', `comma-separated stages to run on every book (default: ${KNOWN_STAGES.join(',')})`)
    .addOption(new Option('--provider <name>', 'LLM provider (default: the one whose API key is set)').choices(['openai', 'anthropic', 'openrouter', 'ollama']))
    .option('--model <name>', 'LLM model name')
    .option('--base-url <url>', 'base URL of an OpenAI-compatible server (Ollama, vLLM, LM Studio)')
    .option('--workers <n>', `OCR worker threads shared by every book, at most the number of CPUs (${availableParallelism()} here)`, positiveInteger)
    .option('--books <n>', "books run at once (default: 2; one book's pages fill the OCR pool while the other merges)", positiveInteger)
    .option('--lang <codes>', 'OCR language(s) of every book, tesseract codes joined by "+" (default: BOOKPIPE_OCR_LANG, else guessed per book)')
    .option('--clean', "remove the outputs of the run's stages of every book first")
    .addOption(json('print one JSON event per line on stdout (each with its scanId), then a library:done summary'))
    .action(async (target: string, flags: RunAllFlags) => {
      const { runAllCommand } = await import('./run-all-command.js');
      result.code = await runAllCommand(target, flags, io, args);
    });

  program
    .command('status')
    .description("Show a scan's pages, each stage's progress and failures, and where book.md is; with --redis, the distributed queue")
    .argument('[scanId]')
    .addOption(root())
    .option('--redis <url>', 'show the job counts and failed jobs of the distributed runner on this Redis (redis://host:port) instead')
    .option(
      '--verify',
      'read every page in full (source images against the checksum recorded when they were made) and list damaged or missing pages; exit 1 if any',
    )
    .addOption(json('print the status as JSON'))
    .action(async (scanId: string | undefined, flags: StatusFlags & { redis?: string }) => {
      if (flags.redis !== undefined) {
        // Only here are bullmq and ioredis loaded: a scan's status stays a lean start.
        const { queueStatusCommand } = await import('./distributed-commands.js');
        result.code = await queueStatusCommand({ redis: flags.redis, ...(flags.json ? { json: true } : {}) }, io);
        return;
      }
      if (scanId === undefined) throw new InvalidArgumentError('give the scan id (bookpipe status <scanId>), or --redis <url> for the queue.');
      const { statusCommand } = await import('./scan-commands.js');
      result.code = await statusCommand(scanId, flags, io);
    });

  program
    .command('report')
    .description("Print a stage's report.csv (a table on a terminal, CSV in a pipe)")
    .argument('<scanId>')
    .requiredOption('--stage <name>', 'stage whose report to print (source, ocr, merge...)')
    .addOption(root())
    .addOption(json('print the rows as JSON'))
    .action(async (scanId: string, flags: ScanFlags & { stage: string }) => {
      const { reportCommand } = await import('./scan-commands.js');
      result.code = await reportCommand(scanId, flags, io);
    });

  program
    .command('clean')
    .description("Remove a stage's outputs (pages, journal, report, book files) so that it runs again; logs are kept")
    .argument('<scanId>')
    .requiredOption('--stage <names>', 'stage(s) to clean, comma-separated')
    .addOption(root())
    .action(async (scanId: string, flags: ScanFlags & { stage: string }) => {
      const { cleanCommand } = await import('./scan-commands.js');
      result.code = await cleanCommand(scanId, flags, io);
    });

  program
    .command('eval')
    .description('Score a scan against ground truth (CER/WER of the OCR, corrected and merged text, labels, page numbers); writes <scan>/eval/eval.json')
    .argument('<scanId>')
    .requiredOption('--truth <folder>', 'folder of ground-truth pages: <page>.txt, PAGE-XML <page>.xml, or <page>.regions.jsonl + <page>.lines.jsonl')
    .addOption(root())
    .option('--ignore-unmatched', 'score the truth pages that match a scan page instead of failing on the others')
    .addOption(
      new Option('--truth-scope <scope>', 'what plain-text truth covers (default: body, the reading text without running heads and page numbers)').choices([
        'body',
        'page',
      ]),
    )
    .addOption(json('print eval.json instead of the table'))
    .action(async (scanId: string, flags: EvalFlags) => {
      const { evalCommand } = await import('./eval-command.js');
      result.code = await evalCommand(scanId, flags, io);
    });

  const redisOption = () => new Option('--redis <url>', 'the Redis that holds the queue, e.g. redis://127.0.0.1:6379').makeOptionMandatory();
  const storageOption = () =>
    new Option(
      '--storage <root>',
      'where the scans are, reachable by every worker: s3://bucket/prefix (endpoint and keys from AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION) (default: BOOKPIPE_ROOT)',
    );

  program
    .command('submit')
    .description(
      'Queue a book for the distributed workers: its pages are made here (the source stage) and uploaded, then OCR, correction, label and merge run on `bookpipe worker`s',
    )
    .argument('[inputs...]', 'PDF files, page images or folders of page images, in book order')
    .addOption(redisOption())
    .addOption(storageOption())
    .option('--scan-id <id>', 'name of the scan (default: from the first input file name)')
    .option('--stages <list>', 'comma-separated stages to run after source (default: ocr,correction,label,merge)')
    .addOption(json('print the submitted book as one JSON line'))
    .action(async (inputs: string[], flags: SubmitFlags) => {
      const { submitCommand } = await import('./distributed-commands.js');
      result.code = await submitCommand(inputs, flags, io);
    });

  program
    .command('worker')
    .description('Take page and book jobs of the distributed runner until stopped (Ctrl-C or SIGTERM: jobs in flight finish); run any number, on any machines')
    .addOption(redisOption())
    .addOption(storageOption())
    .option(
      '--workers <n>',
      `OCR pages at once, one OCR thread each (default: BOOKPIPE_OCR_WORKERS, else the number of CPUs, ${availableParallelism()} here)`,
      positiveInteger,
    )
    .option(
      '--llm-workers <n>',
      'LLM pages at once on this worker (default: BOOKPIPE_LLM_MAX_WORKERS, else 4); the rate limit BOOKPIPE_LLM_REQUESTS_PER_MINUTE holds across all workers',
      positiveInteger,
    )
    .action(async (flags: WorkerFlags) => {
      const { workerCommand } = await import('./distributed-commands.js');
      result.code = await workerCommand(flags, io);
    });

  program
    .command('view')
    .description(
      'Write a static HTML report of a scan (page images with the OCR blocks by class, corrected text, confidence, cost) and print the path of its index.html',
    )
    .argument('<scanId>')
    .addOption(root())
    .option('--out <dir>', 'folder to write the report into (default: <scan>/view)')
    .addOption(
      new Option('--image-format <format>', 'page images as JPEG (fast to write) or WebP (files about 3/4 the size, about 3x the encoding time)')
        .choices(['jpeg', 'webp'])
        .default('jpeg'),
    )
    .option('--open', 'open index.html in the default browser')
    .action(async (scanId: string, flags: ViewFlags) => {
      const { viewCommand } = await import('./view-command.js');
      result.code = await viewCommand(scanId, flags, io);
    });

  return program;
}

/**
 * Runs the `bookpipe` command line on `args` (without the node and script paths) and returns the exit
 * code: 0 done, 1 an error or failed pages, 2 wrong arguments, 130 stopped by Ctrl-C (SIGINT), 143 by
 * SIGTERM, 129 by SIGHUP, 141 when its output pipe was closed.
 */
export async function main(args: readonly string[], io: CliIo): Promise<number> {
  const result = { code: ExitCode.OK as number };
  const program = buildProgram(io, args, result);
  try {
    await program.parseAsync([...args], { from: 'user' });
    return result.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return ExitCode.OK;
      if (error.code === 'commander.unknownOption' && /key/i.test(error.message)) {
        io.stderr.write(
          "API keys are never taken as arguments (a scan's .lock file records the command line): set OPENAI_API_KEY, ANTHROPIC_API_KEY or OPENROUTER_API_KEY in the environment.\n",
        );
      }
      return ExitCode.USAGE;
    }
    // Loaded here: it needs @bookpipe/core, which `--help` and a usage error do without.
    const { printError } = await import('./print-error.js');
    return printError(error, io);
  }
}

/**
 * What the real parser finds wrong with a `bookpipe` command line, without running it: an unknown
 * command, an option that command does not have, an option missing its value. Empty when the line
 * parses. The test of every command a message suggests (`suggested-commands.test.ts`) runs on it.
 */
export function commandLineProblems(args: readonly string[]): string[] {
  const quiet = { write: () => true };
  const program = buildProgram({ stdout: quiet, stderr: quiet } as unknown as CliIo, args, { code: 0 });
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '--version') return [];
  const command = program.commands.find((c) => c.name() === name);
  if (!command) return [`"${name}" is not a bookpipe command (commands: ${program.commands.map((c) => c.name()).join(', ')})`];
  const problems: string[] = [];
  try {
    const { unknown } = command.parseOptions([...rest]);
    for (const arg of unknown) if (arg.startsWith('-')) problems.push(`bookpipe ${name} has no option ${arg.split('=')[0]}`);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // A value the option refuses is a wrong value, not a missing option: suggestions hold placeholders.
    if (error.code === 'commander.optionMissingArgument')
      problems.push(`${/'(--[\w-]+)/.exec(error.message)?.[1] ?? 'an option'} of bookpipe ${name} needs a value`);
    else if (error.code !== 'commander.invalidArgument') problems.push(`bookpipe ${name}: ${error.message}`);
  }
  return problems;
}
