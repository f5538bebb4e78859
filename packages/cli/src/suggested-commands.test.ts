/**
 * Issue 15 item 8: every message names only commands and options that exist. Two sources of next
 * steps are checked against the real command-line parser (`commandLineProblems`, commander's own
 * option parsing of each command):
 * - every `bookpipe ...` command line written in the shipped sources (error messages, warnings, notes,
 *   their JSDoc), with each `${...}` read as one argument;
 * - the command lines the CLI composes at run time (storage's and the source stage's advice rewritten by
 *   `cliNextSteps`, `status --verify`'s redo command, the resume command), with and without --root.
 * And every `--option` named anywhere in those sources must be an option of some bookpipe command,
 * unless it is another tool's (listed below with the tool).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cliNextSteps } from './print-error.js';
import { commandLineProblems } from './program.js';
import { resumeCommand } from './resume-command.js';
import { redoCommand } from './scan-commands.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** Private test helpers, whose messages no user reads. */
const PRIVATE = new Set(['testkit', 'integration']);

/** Options of other tools that messages and comments name, by tool. */
const OTHER_TOOLS: Record<string, string> = {
  '--psm': 'tesseract',
  '--oem': 'tesseract',
  '--tessdata-dir': 'tesseract',
  '--decrypt': 'qpdf',
  '--password': 'qpdf',
  '--rotate-pages-threshold': 'OCRmyPDF',
  '--import': 'node',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const files = readdirSync(join(repo, 'packages'))
  .filter((name) => !PRIVATE.has(name))
  .flatMap((name) => {
    try {
      return sourceFiles(join(repo, 'packages', name, 'src'));
    } catch {
      return [];
    }
  });

/** The text with every `${...}` (nested ones too) replaced by one placeholder argument. */
function flatten(text: string): string {
  let flat = text;
  for (let before = ''; before !== flat; ) {
    before = flat;
    flat = flat.replace(/\$\{[^{}]*\}/g, 'ARG');
  }
  return flat;
}

/** `bookpipe ...` in backticks (escaped or not), as argv after "bookpipe". */
function commandLines(text: string): string[][] {
  return [...flatten(text).matchAll(/`(?:pnpm )?bookpipe ([^`]*?)\\?`/g)].map((m) => m[1]!.trim().split(/\s+/).filter(Boolean));
}

/** The command lines in a message the CLI prints (backticked, or after "Run"/"resume:"). */
function linesIn(message: string): string[][] {
  return [...message.matchAll(/`bookpipe ([^`]*)`/g)].map((m) => m[1]!.trim().split(/\s+/));
}

describe('every command a message suggests exists', () => {
  it('reads the shipped sources (a sanity check of the collector)', () => {
    expect(files.length).toBeGreaterThan(100);
    const all = files.flatMap((file) => commandLines(readFileSync(file, 'utf8')));
    expect(all.length).toBeGreaterThan(10);
    expect(all).toContainEqual(['clean', 'ARG', '--stage', 'ARG']);
  });

  it('the checker itself refuses an unknown command, an unknown option and an option without its value', () => {
    expect(commandLineProblems(['run', 'book.pdf', '--stages', 'ocr'])).toEqual([]);
    expect(commandLineProblems(['run', 'book.pdf', '--dpi', '200'])).toEqual(['bookpipe run has no option --dpi']);
    expect(commandLineProblems(['status', 'x', '--force'])).toEqual(['bookpipe status has no option --force']);
    expect(commandLineProblems(['resume', 'x'])).toEqual([expect.stringMatching(/^"resume" is not a bookpipe command/)]);
    expect(commandLineProblems(['clean', 'x', '--stage'])).toEqual(['--stage of bookpipe clean needs a value']);
  });

  it('every `bookpipe ...` command line written in the shipped sources parses', () => {
    const problems = files.flatMap((file) =>
      // A line whose command is itself composed (`bookpipe ${kept}`) is checked by the run-time test below.
      commandLines(readFileSync(file, 'utf8'))
        .filter((args) => !args[0]!.startsWith('ARG'))
        .flatMap((args) => commandLineProblems(args).map((p) => `${relative(repo, file)}: \`bookpipe ${args.join(' ')}\`: ${p}`)),
    );
    expect(problems).toEqual([]);
  });

  it('every --option the shipped sources name is an option of a bookpipe command (or of the other tool named)', () => {
    const known = new Set(['--help', '--version']);
    for (const command of ['run', 'run-all', 'status', 'report', 'clean', 'eval', 'view', 'submit', 'worker']) {
      // An option exists when the parser takes it on that command.
      for (const file of files) {
        for (const m of readFileSync(file, 'utf8').matchAll(/(?<![\w-])--[a-z][a-z-]*/g)) {
          if (commandLineProblems([command, m[0], 'ARG']).length === 0) known.add(m[0]);
        }
      }
    }
    const problems: string[] = [];
    for (const file of files) {
      // The view's stylesheet and colours name CSS custom properties (--ink, --c), not options.
      if (/view[\\/]src[\\/](styles|class-colours)\.ts$/.test(file)) continue;
      for (const m of readFileSync(file, 'utf8').matchAll(/(?<![\w-])--[a-z][a-z-]*/g)) {
        if (!known.has(m[0]) && OTHER_TOOLS[m[0]] === undefined) problems.push(`${relative(repo, file)}: ${m[0]} is no option of any bookpipe command`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('the command lines the CLI composes at run time parse, with and without --root', () => {
    const scanId = 'my book';
    const composed: string[] = [];
    for (const target of [undefined, { scanId, inputs: ['a b.pdf', 'c.png'] }, { scanId, inputs: ['book.pdf'], root: '/tmp/scans' }]) {
      for (const message of [
        `metadata.json of scan "${scanId}" is not valid JSON. Fix it by hand, or delete it and run the source stage again.`,
        `Scan "${scanId}" holds source pages that do not match the inputs given: x; pass force to replace them (this deletes the downstream stages' outputs).`,
        `Scan "${scanId}" already holds 3 source pages, but metadata.json does not say which files they came from; pass force to replace them (this deletes the downstream stages' outputs).`,
        `Page 2 of stage "source" in scan "${scanId}" is invalid: its bytes are not the ones written (x). Run the source stage again: it redoes invalid pages.`,
        `Page 2 of stage "ocr" in scan "${scanId}" is invalid: x. Run the ocr stage again: it redoes invalid pages.`,
        `Stage "merge" needs pages from stage "label" in scan "${scanId}", but x/label/ has none. Run the label stage first.`,
      ]) {
        const rewritten = cliNextSteps(message, target);
        expect(rewritten, message).not.toMatch(/run the \w+ stage|pass force/i);
        composed.push(rewritten);
      }
    }
    for (const root of [{}, { root: '/tmp/scans' }]) {
      for (const stage of ['source', 'ocr']) {
        composed.push(
          `\`${redoCommand(scanId, stage, root, { sourceFiles: [{ path: '/in/a b.pdf', sha256: 'x', sizeBytes: 1, pages: 1, firstPage: 1 }] } as never)}\``,
        );
      }
    }
    composed.push(`\`${resumeCommand(['run', 'book.pdf', '--clean', '--stages', 'ocr,merge', '--root', '/tmp/x'], {})}\``);
    const lines = composed.flatMap(linesIn);
    expect(lines.length).toBeGreaterThanOrEqual(composed.length);
    const problems = lines.flatMap((args) => commandLineProblems(args.map((a) => a.replace(/^'|'$/g, ''))).map((p) => `\`bookpipe ${args.join(' ')}\`: ${p}`));
    expect(problems).toEqual([]);
  });
});
