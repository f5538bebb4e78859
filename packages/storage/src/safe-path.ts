import { isAbsolute, relative, resolve, sep } from 'node:path';
import { BookpipeError, ErrorCode } from '@bookpipe/core';

/**
 * `dir/name` for a relative `name` that stays inside `dir` ("logs/x.jsonl" is fine; "../x", "/etc/x"
 * and names with NUL are refused).
 * @throws BookpipeError INPUT_INVALID saying why.
 */
export function resolveInside(dir: string, name: string, what: string): string {
  const problem =
    typeof name !== 'string' || name === ''
      ? 'it is empty'
      : name.includes('\0')
        ? 'it contains a NUL character'
        : isAbsolute(name) || /^[a-zA-Z]:/.test(name)
          ? 'it is an absolute path'
          : undefined;
  const path = problem ? '' : resolve(dir, name);
  const rel = problem ? '' : relative(dir, path);
  const escapes = !problem && (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel));
  if (problem || escapes) {
    throw new BookpipeError(
      ErrorCode.INPUT_INVALID,
      `Refused ${what} ${JSON.stringify(String(name).slice(0, 200))}: ${problem ?? 'it would leave the folder'} ${dir}. Use a plain relative name such as "report.csv".`,
      { details: { dir, name } },
    );
  }
  return path;
}
