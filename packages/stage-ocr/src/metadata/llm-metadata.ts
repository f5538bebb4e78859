/**
 * The book's metadata through one structured request to a model: the OCR text of the first pages
 * (with each line's type size, so the model sees the title set large) in, one value per field out,
 * each with a confidence, the page and the line it was read from. The answer is checked before it is
 * believed: an ISBN must pass its check digit, a year must be plausible, and a value whose quoted line
 * is not on the page it names is a guess (its confidence is capped under the writing threshold).
 */
import type { OcrPage } from '@bookpipe/contracts';
import type { ResolvedLlm } from '@bookpipe/kit';
import type { LlmRequest, LlmSuccess } from '@bookpipe/llm-batch';
import { type BookMetadataReading, METADATA_FIELDS, type MetadataField, type MetadataReading } from './book-metadata.js';
import { normaliseIsbn } from './isbn.js';
import { pageLines } from './read-metadata.js';
import { EARLIEST_YEAR } from './roman-year.js';

/** What the model answers for one field. */
export interface LlmFieldAnswer {
  value: string | number | null;
  confidence: number;
  page: number | null;
  line: string | null;
}
export type LlmMetadataAnswer = Record<MetadataField, LlmFieldAnswer>;

/** Confidence given to a value whose quoted line is not on the page it names. */
const UNSUPPORTED_CONFIDENCE = 0.4;
/** A model's confidence is its own estimate; it is never taken as certainty. */
const MAX_LLM_CONFIDENCE = 0.95;
/** Lines per page and characters in all sent: a title page is short, a preface need not be sent whole. */
const MAX_LINES_PER_PAGE = 60;
const MAX_PROMPT_CHARS = 16_000;

const field = (valueType: 'string' | 'integer') => ({
  type: 'object',
  additionalProperties: false,
  required: ['value', 'confidence', 'page', 'line'],
  properties: {
    value: { type: [valueType, 'null'] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    page: { type: ['integer', 'null'] },
    line: { type: ['string', 'null'] },
  },
});

/** The JSON Schema of the answer (strict: every field required, nullable values). */
export const METADATA_RESPONSE_SCHEMA = {
  name: 'book_metadata',
  description: 'Metadata of a printed book, read from the OCR text of its first pages.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: [...METADATA_FIELDS],
    properties: {
      title: field('string'),
      author: field('string'),
      year: field('integer'),
      publisher: field('string'),
      isbn: field('string'),
      language: field('string'),
    },
  },
} as const;

export const METADATA_SYSTEM_PROMPT = [
  'You read the bibliographic metadata of a printed book from the OCR text of its first pages (covers, title page, copyright page, preface).',
  'Each line is prefixed with its type size relative to the body text ("[2.1]" is twice body size): the title is usually the largest type on the title page.',
  'For each field give the value as printed (title without subtitle; author as a name, without "by"; year of publication as an integer, roman numerals converted; publisher as the firm\'s name; ISBN digits; language as an ISO 639-1 code), the page number and the exact line you read it from, and your confidence from 0 to 1.',
  'Use null for a value the pages do not show. Do not guess from your own knowledge of the book: OCR errors may be corrected, but a value must be on the pages.',
].join('\n');

/** The prompt text: each page's lines, with their type size. */
export function metadataPrompt(pages: readonly OcrPage[]): string {
  let text = '';
  for (const page of pageLines(pages)) {
    const lines = page.lines.slice(0, MAX_LINES_PER_PAGE).map((l) => `[${l.size.toFixed(1)}] ${l.text}`);
    const block = `--- page ${page.page} ---\n${lines.length > 0 ? lines.join('\n') : '(no text)'}\n`;
    if (text.length + block.length > MAX_PROMPT_CHARS) break;
    text += block;
  }
  return text;
}

/**
 * Sends the one request and turns the answer into readings (`method: 'llm'`).
 * @throws Error naming the provider, model and reason when the request gives no usable answer
 *   (after the client's retries); the caller keeps the deterministic reading then.
 */
export async function readMetadataWithLlm(
  pages: readonly OcrPage[],
  llm: ResolvedLlm,
  options: { signal?: AbortSignal; latestYear?: number } = {},
): Promise<{ reading: BookMetadataReading; result: LlmSuccess<LlmMetadataAnswer> }> {
  const request: LlmRequest = {
    id: 'ocr_metadata',
    model: llm.model,
    messages: [
      { role: 'system', content: METADATA_SYSTEM_PROMPT },
      { role: 'user', content: `The first pages of the book:\n${metadataPrompt(pages)}` },
    ],
    responseSchema: METADATA_RESPONSE_SCHEMA as unknown as LlmRequest['responseSchema'],
    maxTokens: 1024,
  };
  let outcome: LlmSuccess<LlmMetadataAnswer> | undefined;
  let failure: string | undefined;
  let costUsd: number | null = 0;
  await llm.client.processBatch<LlmMetadataAnswer>([request], {
    ...(options.signal ? { signal: options.signal } : {}),
    onResult: (result) => {
      costUsd = result.costUsd;
      if (result.ok) outcome = result;
      else failure = `${result.provider} model ${result.model}, ${result.attempts} attempt(s): ${result.error.reason}`;
    },
  });
  if (!outcome) throw new MetadataLlmError(`the metadata request got no usable answer (${failure ?? 'not sent: aborted'})`, costUsd);
  return { reading: checkAnswer(outcome.value, pages, llm.model, options.latestYear ?? new Date().getFullYear() + 1), result: outcome };
}

/** The request gave no usable answer; what its attempts cost is still counted. */
export class MetadataLlmError extends Error {
  override readonly name = 'MetadataLlmError';
  /** USD spent on the failed attempts, null when the model's price is unknown. */
  readonly costUsd: number | null;
  constructor(message: string, costUsd: number | null) {
    super(message);
    this.costUsd = costUsd;
  }
}

/** Keeps the answer's values that survive the checks, with their confidence lowered where the evidence is missing. */
export function checkAnswer(answer: LlmMetadataAnswer, pages: readonly OcrPage[], model: string, latestYear: number): BookMetadataReading {
  const reading: BookMetadataReading = {};
  const texts = new Map(pageLines(pages).map((p) => [p.page, squash(p.lines.map((l) => l.text).join(' '))]));
  for (const name of METADATA_FIELDS) {
    const a = answer[name];
    if (!a || a.value === null || a.value === '') continue;
    let value: string | number | null = a.value;
    if (name === 'isbn') value = normaliseIsbn(String(value));
    else if (name === 'year') value = Number.isInteger(value) && Number(value) >= EARLIEST_YEAR && Number(value) <= latestYear ? Number(value) : null;
    else if (name === 'language') value = /^[a-z]{2}$/.test(String(value)) ? String(value) : null;
    else value = String(value).replace(/\s+/g, ' ').trim() || null;
    if (value === null) continue;
    const page = a.page !== null && texts.has(a.page) ? a.page : undefined;
    // The language is judged from the whole text; any other value must be on the line the model quotes.
    const supported = name === 'language' || (page !== undefined && a.line !== null && squash(a.line).length > 0 && texts.get(page)!.includes(squash(a.line)));
    const confidence = Math.min(MAX_LLM_CONFIDENCE, supported ? a.confidence : Math.min(a.confidence, UNSUPPORTED_CONFIDENCE));
    const found: MetadataReading<string | number> = {
      value,
      confidence: Math.round(confidence * 100) / 100,
      evidence: { page: page ?? pages[0]?.pageNumber ?? 1, line: a.line ?? '' },
      method: 'llm',
      model,
    };
    (reading as Record<string, unknown>)[name] = found;
  }
  return reading;
}

/** Letters and digits only, lower case: a quoted line matches the OCR text despite spacing and punctuation. */
function squash(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
}

/** Field by field, the more confident of two readings (the model's on a tie). */
export function combineReadings(deterministic: BookMetadataReading, llm: BookMetadataReading): BookMetadataReading {
  const out: BookMetadataReading = {};
  for (const name of METADATA_FIELDS) {
    const d = deterministic[name] as MetadataReading<unknown> | undefined;
    const l = llm[name] as MetadataReading<unknown> | undefined;
    const pick = l && (!d || l.confidence >= d.confidence) ? l : d;
    if (pick) (out as Record<string, unknown>)[name] = pick;
  }
  return out;
}
