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

/**
 * Projects each page's metrics on the report schema's columns, in page order.
 * Fields outside the schema are left out; a page that fails the schema keeps a row (page number,
 * the cells that did parse) and yields a warning, so one bad page never loses the report.
 */
export function buildReport(metrics: Map<number, Record<string, unknown>>, schema: ZodObject): Report {
  const keys = Object.keys(schema.shape);
  const columns = keys.includes('pageNum') ? keys : ['pageNum', ...keys];
  const rows: Array<Record<string, unknown>> = [];
  const warnings: ReportWarning[] = [];
  for (const page of [...metrics.keys()].sort((a, b) => a - b)) {
    const m = metrics.get(page) ?? {};
    const parsed = schema.safeParse(m);
    if (parsed.success) {
      rows.push({ pageNum: page, ...(parsed.data as Record<string, unknown>) });
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
    rows.push(row);
  }
  const csv = [columns.join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
  return { columns, rows, csv, warnings };
}

/** RFC 4180 cell: quoted when it holds a comma, quote or newline; null and undefined are empty. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const s = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
