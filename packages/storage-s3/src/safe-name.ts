import { posix } from 'node:path';
import { BookpipeError, ErrorCode } from '@bookpipe/core';

/**
 * `name` as a key suffix that stays inside the folder `dir` ("logs/x.jsonl", "a/../b.md" is "b.md"):
 * the same rule as the filesystem backend's paths, so a stage behaves the same on both.
 * @throws BookpipeError INPUT_INVALID for an empty, absolute or escaping name, or one with NUL or "\".
 */
export function keyInside(dir: string, name: string, what: string): string {
  const problem =
    typeof name !== 'string' || name === ''
      ? 'it is empty'
      : name.includes('\0')
        ? 'it contains a NUL character'
        : name.includes('\\')
          ? 'it contains a backslash'
          : name.startsWith('/') || /^[a-zA-Z]:/.test(name)
            ? 'it is an absolute path'
            : undefined;
  const normal = problem ? '' : posix.normalize(name).replace(/\/+$/, '');
  const escapes = !problem && (normal === '' || normal === '.' || normal === '..' || normal.startsWith('../'));
  if (problem || escapes) {
    throw new BookpipeError(
      ErrorCode.INPUT_INVALID,
      `Refused ${what} ${JSON.stringify(String(name).slice(0, 200))}: ${problem ?? 'it would leave the folder'} ${dir}. Use a plain relative name such as "report.csv".`,
      { details: { dir, name } },
    );
  }
  return normal;
}
