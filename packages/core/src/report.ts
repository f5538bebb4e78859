import type { ZodObject } from 'zod';

export interface ReportWarning {
  page: number;
  problem: string;
}

export interface Report {
  columns: string[];
  rows: Array<Record<string, unknown>>;
  csv: string;
  warnings: ReportWarning[];
}

/** A page that failed in the stage's last attempt at it, with the reason (`PageFailure` of the journal). */
export interface ReportFailure {
  page: number;
  error: string;
}

/**
 * Projects each page's metrics on the report schema's columns, in page order.
 * Fields outside the schema are left out; a page that fails the schema keeps a row (page number,
 * the cells that did parse) and yields a warning, so one bad page never loses the report.
 *
 * When pages failed, they get rows too, and two columns are added at the end: `status` (`done` or
 * `failed`) and `error` (the failure's reason), so that the report lists what is missing and why.
 * A report without failures keeps exactly the schema's columns.
 */
export function buildReport(metrics: Map<number, Record<string, unknown>>, schema: ZodObject, failures: readonly ReportFailure[] = []): Report {
  const keys = Object.keys(schema.shape);
  const failed = new Map(failures.map((f) => [f.page, f.error]));
  const columns = [...(keys.includes('pageNum') ? keys : ['pageNum', ...keys]), ...(failed.size > 0 ? ['status', 'error'] : [])];
  const rows: Array<Record<string, unknown>> = [];
  const warnings: ReportWarning[] = [];
  for (const page of [...new Set([...metrics.keys(), ...failed.keys()])].sort((a, b) => a - b)) {
    const error = failed.get(page);
    if (error !== undefined) {
      // A failure is only listed while the page has no valid file: older metrics of it are stale.
      rows.push({ pageNum: page, status: 'failed', error });
      continue;
    }
    const m = metrics.get(page) ?? {};
    const parsed = schema.safeParse(m);
    const status = failed.size > 0 ? { status: 'done' } : {};
    if (parsed.success) {
      rows.push({ pageNum: page, ...(parsed.data as Record<string, unknown>), ...status });
      continue;
    }
    const bad = new Set(parsed.error.issues.map((i) => String(i.path[0])));
    warnings.push({
      page,
      // Storage marks a page whose file was written but whose journal line was lost to a crash.
      problem:
        m.metricsMissing === true
          ? 'metrics lost (page written, journal line missing)'
          : parsed.error.issues.map((i) => `${i.path.join('.') || '(metrics)'}: ${i.message}`).join('; '),
    });
    const row: Record<string, unknown> = { pageNum: page };
    for (const k of keys) if (!bad.has(k) && k in m) row[k] = m[k];
    rows.push({ ...row, ...status });
  }
  const csv = `${[columns.join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(','))].join('\n')}\n`;
  return { columns, rows, csv, warnings };
}

/** RFC 4180 cell: quoted when it holds a comma, quote or newline; null and undefined are empty. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const s = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
