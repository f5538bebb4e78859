/**
 * Test support: the fake provider's record of what it was asked, page by page, for the "no finished
 * page paid twice" check. When a request arrives it notes whether that page's file already exists in
 * the scan the test is running: a request for a page that is already saved would be paid twice.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FakeReply, FakeRequest, FakeResponder } from '@bookpipe/llm-batch/testing';
import { promptPage, requestStage } from './scripted-model.js';

export interface LedgerEntry {
  /** The scan folder and attempt the request arrived in (set by the test before each run). */
  scanDir: string;
  attempt: number;
  stage: 'correction' | 'label';
  page: number;
  /** The page file existed when the request arrived: it was finished and would be paid twice. */
  alreadySaved: boolean;
}

export const pageFile = (scanDir: string, stage: string, page: number): string => path.join(scanDir, stage, `page_${String(page).padStart(4, '0')}.json`);

/**
 * Whether a page is saved for good after a kill: its file exists, or its `page` record is in the stage's
 * journal (written after the complete temp file is fsync'd, before the rename), in which case the next
 * run renames the temp file into place without asking the model again. A kill between the journal line
 * and the rename leaves exactly that state; counting such a page as lost in flight would expect one
 * request too many.
 */
export function savedOrJournalled(scanDir: string, stage: string, page: number): boolean {
  if (existsSync(pageFile(scanDir, stage, page))) return true;
  let journal: string;
  try {
    journal = readFileSync(path.join(scanDir, stage, 'checkpoint.jsonl'), 'utf8');
  } catch {
    return false;
  }
  let journalled = false;
  for (const line of journal.split('\n')) {
    let record: { type?: string; page?: number };
    try {
      record = JSON.parse(line) as { type?: string; page?: number };
    } catch {
      continue; // a torn last line
    }
    if (record.type === 'reset') journalled = false;
    else if (record.type === 'page' && record.page === page) journalled = true;
  }
  return journalled;
}

export class RequestLedger {
  readonly entries: LedgerEntry[] = [];
  scanDir = '';
  attempt = 0;

  /**
   * Wraps a scripted model: records each request, then answers as the model does after `latencyMs(page)`
   * (a latency that depends on the page staggers the pages, so a kill can fall between two of them).
   */
  responder(model: (request: FakeRequest) => FakeReply, latencyMs: (page: number, stage: 'correction' | 'label') => number): FakeResponder {
    return (request) => {
      // The OCR stage's one metadata request is no page of an LLM stage: answered, not counted.
      if (request.schemaName === 'book_metadata') return model(request);
      const stage = requestStage(request);
      const { page } = promptPage(request);
      this.entries.push({ scanDir: this.scanDir, attempt: this.attempt, stage, page, alreadySaved: existsSync(pageFile(this.scanDir, stage, page)) });
      return { ...model(request), latencyMs: latencyMs(page, stage) };
    };
  }

  for(scanDir: string): LedgerEntry[] {
    return this.entries.filter((e) => e.scanDir === scanDir);
  }
}
