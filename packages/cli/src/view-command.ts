import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '@bookpipe/core';
import { openFolder, openScan } from '@bookpipe/storage';
import { renderView } from '@bookpipe/view';
import type { CliIo } from './cli-io.js';
import { ExitCode } from './print-error.js';

export interface ViewFlags {
  /** @default BOOKPIPE_ROOT, else "./scans" */
  root?: string;
  /** @default "<scan>/view" */
  out?: string;
  /** Open index.html in the default browser. */
  open?: boolean;
}

/** Opens a file in the desktop's default browser; resolves false when there is no opener to run. */
export function openInBrowser(path: string): Promise<boolean> {
  const url = pathToFileURL(path).href;
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  return new Promise((resolve) => {
    const child = spawn(command, args, { detached: true, stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}

/**
 * `bookpipe view <scanId>`: writes the scan's HTML report (@bookpipe/view) and prints the path of its
 * index.html on stdout (alone, so that `$(bookpipe view my-book)` is the path); what is missing from
 * the scan goes to stderr.
 */
export async function viewCommand(scanId: string, flags: ViewFlags, io: CliIo, open: (path: string) => Promise<boolean> = openInBrowser): Promise<number> {
  const root = flags.root ?? loadConfig(io.env).root;
  const scan = openScan({ root, scanId });
  const result = await renderView({ scan, ...(flags.out === undefined ? {} : { out: openFolder(flags.out) }) });
  io.stdout.write(`${result.indexPath}\n`);
  const notes: string[] = [`view of ${result.pages} pages written`];
  if (result.missingStages.length > 0) notes.push(`stages not run: ${result.missingStages.join(', ')}`);
  if (result.failedPages.length > 0) notes.push(`${result.failedPages.length} pages failed in some stage (see the summary)`);
  io.stderr.write(`${notes.join('; ')}\n`);
  if (flags.open && !(await open(result.indexPath))) {
    io.stderr.write(`Could not start a browser here: open ${pathToFileURL(result.indexPath).href} yourself.\n`);
  }
  return ExitCode.OK;
}
