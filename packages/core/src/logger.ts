import { closeSync, constants, lstatSync, mkdirSync, openSync, readlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LogLevel } from './config.js';
import { BookpipeError, describeError, ErrorCode } from './errors.js';

/** Appends that fail with ELOOP instead of following a link in the file's place (0 where the platform has no O_NOFOLLOW). */
const APPEND_NO_FOLLOW = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0);

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A structured logger: one JSON object per line, every field it is given kept. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `fields` to every line it writes. */
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  /** Where lines go: a file path (appended, folder created), a function, or nothing (discard). */
  destination?: string | ((line: string) => void);
  /** @default "info" */
  level?: LogLevel;
  /** Fields added to every line. */
  bindings?: Record<string, unknown>;
  /** Secret values (API keys) replaced by "[redacted]" wherever they appear in a line. */
  redact?: readonly string[];
  /** Clock, injectable for tests. @default () => new Date() */
  now?: () => Date;
  /**
   * Called once, with the first error, when a line cannot be written to a file destination (disk full,
   * folder read-only). The line is dropped and later lines are still tried: a log is a side channel,
   * and a full disk must not turn a clear storage error into an unexpected crash of the logger.
   * @default emits one process warning naming the file
   */
  onWriteError?: (error: unknown, file: string) => void;
}

/**
 * Creates a JSON-lines logger. Writes are synchronous appends: a line is on disk before the call
 * returns, so a killed process loses no log line it had written. A file destination is never reached
 * through a symbolic link: its folder is checked with `lstat` when the logger is made, and every append
 * opens the file with `O_NOFOLLOW` (a link put in its place later is not written through).
 * @throws BookpipeError STORAGE_ERROR when the file or its folder is a symbolic link, naming the link.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const min = LEVELS[options.level ?? 'info'];
  const now = options.now ?? (() => new Date());
  const secrets = (options.redact ?? []).filter((s) => s.length >= 4);
  let write: (line: string) => void;
  const dest = options.destination;
  if (typeof dest === 'string') {
    const onWriteError =
      options.onWriteError ??
      ((error: unknown, file: string) =>
        process.emitWarning(`bookpipe: could not write the log file ${file} (${describeError(error)}); its later lines may be missing.`, {
          code: 'BOOKPIPE_LOG_WRITE',
        }));
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      onWriteError(error, dest);
    };
    const refuse = (link: string) => linkRefused(link, options.bindings ?? {});
    if (isLink(dirname(dest))) throw refuse(dirname(dest));
    try {
      mkdirSync(dirname(dest), { recursive: true });
    } catch (error) {
      fail(error);
    }
    // Again after the mkdir: a link made in between is refused all the same.
    if (isLink(dirname(dest))) throw refuse(dirname(dest));
    if (isLink(dest)) throw refuse(dest);
    write = (line) => {
      try {
        const fd = openSync(dest, APPEND_NO_FOLLOW, 0o644);
        try {
          writeSync(fd, `${line}\n`);
        } finally {
          closeSync(fd);
        }
      } catch (error) {
        fail((error as NodeJS.ErrnoException).code === 'ELOOP' ? refuse(dest) : error);
      }
    };
  } else if (typeof dest === 'function') {
    write = dest;
  } else {
    write = () => {};
  }

  const make = (bindings: Record<string, unknown>): Logger => {
    const log = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
      if (LEVELS[level] < min) return;
      let line = safeStringify({ time: now().toISOString(), level, msg, ...bindings, ...fields });
      for (const s of secrets) line = line.split(s).join('[redacted]');
      write(line);
    };
    return {
      debug: (m, f) => log('debug', m, f),
      info: (m, f) => log('info', m, f),
      warn: (m, f) => log('warn', m, f),
      error: (m, f) => log('error', m, f),
      child: (fields) => make({ ...bindings, ...fields }),
    };
  };
  return make(options.bindings ?? {});
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The refusal of a log file or folder that is a link, in the words storage uses for any link in a scan. */
function linkRefused(link: string, bindings: Record<string, unknown>): BookpipeError {
  let target = 'somewhere else';
  try {
    target = readlinkSync(link);
  } catch {
    // Gone in between: the message still names the link.
  }
  const scanId = typeof bindings.scanId === 'string' ? bindings.scanId : undefined;
  const stage = typeof bindings.stage === 'string' ? bindings.stage : undefined;
  const where = scanId === undefined ? '' : ` (scan "${scanId}"${stage === undefined ? '' : `, stage "${stage}"`})`;
  return new BookpipeError(
    ErrorCode.STORAGE_ERROR,
    `${link}${where} is a symbolic link (to ${target}): bookpipe does not follow links inside a scan, so that it never reads, writes or deletes files outside it; no log line was written through it. ` +
      `Remove the link (\`rm ${link}\`) and run again; to keep scans on another disk, point BOOKPIPE_ROOT (or --root) there instead.`,
    { details: { scanId, stage, file: link, target, errno: 'ELOOP', action: 'log' } },
  );
}

/** A logger that writes nothing, the default when none is given. */
export const silentLogger: Logger = createLogger();

/** JSON.stringify that keeps errors (name, message, code, stack), bigints and cycles instead of failing. */
export function safeStringify(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Error) {
      const { name, message, stack } = v;
      const extra = Object.fromEntries(Object.entries(v));
      return { ...extra, name, message, stack, ...(v.cause === undefined ? {} : { cause: v.cause }) };
    }
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[circular]';
      seen.add(v);
    }
    return v;
  });
}
