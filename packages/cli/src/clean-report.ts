import type { CleanReport } from '@bookpipe/core';

/** Names listed in a clean's message before "and N more". */
const LISTED = 8;

function list(names: readonly string[]): string {
  const shown = names.slice(0, LISTED).join(', ');
  return names.length > LISTED ? `${shown} and ${names.length - LISTED} more` : shown;
}

/**
 * What a clean did, in one line: `bookpipe clean` and `bookpipe run --clean` both print it (one clean,
 * `StageStorage.clean()`, one message). Files the stage did not write are named, so that a user sees
 * they were left on purpose.
 */
export function describeClean(report: CleanReport): string {
  const removed = [...(report.removedPages > 0 ? [`${report.removedPages} page file${report.removedPages === 1 ? '' : 's'}`] : []), ...report.removed];
  const logs = report.kept.includes('logs');
  const others = report.kept.filter((name) => name !== 'logs');
  const parts = [
    `Cleaned stage "${report.stage}" of scan "${report.scanId}" (${report.dir}): ${removed.length > 0 ? `removed ${list(removed)}` : 'nothing of the stage was there'}`,
  ];
  if (logs) parts.push('its logs are kept');
  if (others.length > 0) parts.push(`left ${list(others)}, which the stage did not write: remove them yourself if they are not needed`);
  return `${parts.join('; ')}.`;
}
