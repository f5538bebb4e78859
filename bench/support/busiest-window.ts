/** The most sends found in any window of `windowMs` (times in ms): what a provider's per-minute limit sees. */
export function busiestWindow(times: number[], windowMs = 60_000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, head = 0; i < sorted.length; i++) {
    while ((sorted[i] as number) - (sorted[head] as number) >= windowMs) head++;
    best = Math.max(best, i - head + 1);
  }
  return best;
}
