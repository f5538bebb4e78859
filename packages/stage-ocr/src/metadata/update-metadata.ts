/**
 * Writes what the reader found into metadata.json, by one rule: a value read from the pages is
 * written only when its confidence reaches the threshold, and never over a value the user set.
 * Every written value's origin goes into `metadataSources` (core's `MetadataSourceSchema`).
 */
import type { ScanMetadata } from '@bookpipe/contracts';
import type { BookStorage } from '@bookpipe/core';
import { type BookMetadataReading, METADATA_FIELDS, type MetadataField, type MetadataReading } from './book-metadata.js';

type MetadataSource = NonNullable<ScanMetadata['metadataSources']>[string];

/** What became of one field's reading. */
export interface MetadataDecision {
  field: MetadataField;
  /**
   * - `written`: metadata.json now holds the reading's value with this reading as its source, whether
   *   this call wrote it or an earlier run of the same reading did. One word for both, because the OCR
   *   stage's after() runs again when a crash lands between its metadata.json update and the stage's
   *   completion, and `ocr/book-metadata.json` (which records these decisions) must then read as it
   *   does after an uninterrupted run;
   * - `kept-user`: the field is the user's (see {@link isUserValue});
   * - `kept-previous`: an earlier reading of higher confidence stays;
   * - `unconfident`: the reading is under the threshold.
   */
  action: 'written' | 'kept-user' | 'kept-previous' | 'unconfident';
  value: string | number;
  confidence: number;
}

/**
 * True when the field's current value is the user's: it has a value and either no source, a
 * `user` source, or a source whose recorded value differs (the file was edited by hand since).
 */
export function isUserValue(current: ScanMetadata, field: MetadataField): boolean {
  const value = current[field];
  if (value === undefined || value === null || value === '') return false;
  const source = current.metadataSources?.[field];
  return source === undefined || source.method === 'user' || source.value !== value;
}

/**
 * Merges a reading into metadata (pure). A field is written when the reading's confidence is at
 * least `minConfidence`, the field is not the user's, and any earlier reading it replaces was less
 * confident (or was deterministic, and this one is the model's). Rerunning with the same reading
 * changes nothing (`changed` false) and gives the same decisions.
 */
export function mergeMetadata(
  current: ScanMetadata,
  reading: BookMetadataReading,
  minConfidence: number,
): { next: ScanMetadata; decisions: MetadataDecision[]; changed: boolean } {
  const next: ScanMetadata = { ...current };
  const sources: Record<string, MetadataSource> = { ...current.metadataSources };
  const decisions: MetadataDecision[] = [];
  let changed = false;
  for (const field of METADATA_FIELDS) {
    const found = reading[field] as MetadataReading<string | number> | undefined;
    if (!found) continue;
    const decide = (action: MetadataDecision['action']) => decisions.push({ field, action, value: found.value, confidence: found.confidence });
    if (found.confidence < minConfidence) {
      decide('unconfident');
      continue;
    }
    if (isUserValue(current, field)) {
      decide('kept-user');
      continue;
    }
    const previous = current[field] === undefined || current[field] === null ? undefined : current.metadataSources?.[field];
    const source = sourceOf(found);
    if (previous && sameSource(previous, source)) {
      // This reading is already in place (an earlier run of after() on the same pages): nothing to write.
      decide('written');
      continue;
    }
    const better = !previous || found.confidence >= (previous.confidence ?? 0) || (found.method === 'llm' && previous.method === 'deterministic');
    if (!better) {
      decide('kept-previous');
      continue;
    }
    (next as Record<string, unknown>)[field] = found.value;
    sources[field] = source;
    changed = true;
    decide('written');
  }
  if (changed) next.metadataSources = sources;
  return { next, decisions, changed };
}

/** The same value from the same reading: method, model, confidence and evidence all equal. */
function sameSource(a: MetadataSource, b: MetadataSource): boolean {
  return a.value === b.value && a.method === b.method && a.confidence === b.confidence && a.page === b.page && a.line === b.line && a.model === b.model;
}

function sourceOf(reading: MetadataReading<string | number>): MetadataSource {
  return {
    method: reading.method,
    confidence: reading.confidence,
    page: reading.evidence.page,
    line: reading.evidence.line,
    value: reading.value,
    ...(reading.model === undefined ? {} : { model: reading.model }),
  };
}

/**
 * Applies {@link mergeMetadata} to the scan's metadata.json through `BookStorage.updateMetadata`
 * (an atomic read-modify-write). Nothing is written when no field changes, so a rerun leaves the
 * file, `updatedAt` included, as it was.
 */
export async function updateScanMetadata(scan: BookStorage, reading: BookMetadataReading, minConfidence: number): Promise<MetadataDecision[]> {
  const planned = mergeMetadata(await scan.readMetadata(), reading, minConfidence);
  if (!planned.changed) return planned.decisions;
  let decisions = planned.decisions;
  // Decided again inside the update: the file may have changed between the read and the write.
  await scan.updateMetadata((current) => {
    const merged = mergeMetadata(current, reading, minConfidence);
    decisions = merged.decisions;
    return merged.next;
  });
  return decisions;
}
