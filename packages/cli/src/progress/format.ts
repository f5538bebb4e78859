import type { ProgressState, StageProgress } from './progress-state.js';

/** "1:05", "12:00", "1:02:03". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** "$0.0123"; "cost unknown" when some price is unknown. */
export function formatCost(costUsd: number | null): string {
  if (costUsd === null) return 'cost unknown';
  return `$${costUsd < 1 ? costUsd.toFixed(4) : costUsd.toFixed(2)}`;
}

function bar(fraction: number, width: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

/**
 * One stage's line on a terminal: name, bar, pages done of total, failed, in flight, cost so far, ETA.
 * `costs` adds the cost column (for runs where some stage can cost money).
 */
export function stageLine(state: ProgressState, stage: StageProgress, options: { nameWidth: number; costs: boolean }): string {
  const name = stage.name.padEnd(options.nameWidth);
  switch (stage.status) {
    case 'waiting':
      return `${name} waiting`;
    case 'skipped':
      return `${name} skipped: ${stage.note ?? ''}`;
    case 'failed':
      return `${name} FAILED: ${firstLine(stage.note)}`;
    case 'not-run':
      return `${name} not run: ${stage.note ?? ''}`;
    default: {
      const total = Math.max(stage.total, 1);
      const counts = `${String(stage.done).padStart(String(stage.total).length)}/${stage.total} pages`;
      const parts = [`${name} ${bar((stage.done + stage.failed) / total, 20)} ${counts}`];
      if (stage.failed > 0) parts.push(`${stage.failed} failed`);
      if (stage.status === 'running') parts.push(`${stage.inFlight} in flight`);
      if (options.costs) parts.push(formatCost(stage.costUsd));
      if (stage.status === 'running') {
        const eta = state.etaSeconds(stage);
        parts.push(eta === undefined ? 'ETA …' : `ETA ${formatDuration(eta)}`);
      } else {
        const elapsed = state.elapsedSeconds(stage);
        parts.push(elapsed === undefined ? 'done' : `done in ${formatDuration(elapsed)}`);
      }
      return parts.join('  ');
    }
  }
}

/** A plain progress line, for logs and pipes: "ocr: 12/40 pages, 1 failed, 2 in flight, ETA 1:05". */
export function plainLine(state: ProgressState, stage: StageProgress, options: { costs: boolean }): string {
  const parts = [`${stage.done}/${stage.total} pages`];
  if (stage.failed > 0) parts.push(`${stage.failed} failed`);
  if (stage.inFlight > 0) parts.push(`${stage.inFlight} in flight`);
  if (options.costs) parts.push(formatCost(stage.costUsd));
  const eta = state.etaSeconds(stage);
  if (eta !== undefined) parts.push(`ETA ${formatDuration(eta)}`);
  return `${stage.name}: ${parts.join(', ')}`;
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0] ?? '';
}
