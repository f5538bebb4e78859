import { type BatchSummary, type LlmBatchClient, type LlmBatchEvent, type LlmRequest, toStrictJsonSchema } from '@bookpipe/llm-batch';
import { z } from 'zod';

/** What the model is asked for, per paragraph. The client validates every answer against it. */
export const KeywordsSchema = z.object({
  /** One sentence. */
  summary: z.string().min(1),
  /** Index terms, most important first. */
  keywords: z.array(z.string().min(1)).min(1).max(5),
});
export type Keywords = z.infer<typeof KeywordsSchema>;

export interface Paragraph {
  id: string;
  chapter: string;
  text: string;
}

const SYSTEM = 'You index books. For the paragraph you are given, answer with a one-sentence summary and up to five index terms, most important first.';

/** One request per paragraph: same model, same schema, the paragraph as the user message. */
export function keywordRequests(paragraphs: readonly Paragraph[], model: string): LlmRequest<Paragraph>[] {
  const responseSchema = { name: 'paragraph_keywords', schema: toStrictJsonSchema(KeywordsSchema) };
  return paragraphs.map((paragraph) => ({
    id: paragraph.id,
    model,
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: `Chapter: ${paragraph.chapter}\n\nParagraph:\n${paragraph.text}` },
    ],
    responseSchema,
    maxTokens: 200,
    metadata: paragraph,
  }));
}

export interface IndexResult {
  paragraph: Paragraph;
  /** The answer, or why there is none after every retry. */
  keywords: Keywords | { error: string };
  attempts: number;
  costUsd: number | null;
}

/**
 * Indexes every paragraph through the batch client: results arrive as they finish (in any order) and
 * are put back in paragraph order; one failed paragraph never stops the others.
 */
export async function indexParagraphs(
  client: LlmBatchClient,
  paragraphs: readonly Paragraph[],
  options: { model: string; onEvent?: (event: LlmBatchEvent) => void; signal?: AbortSignal },
): Promise<{ results: IndexResult[]; summary: BatchSummary }> {
  const byId = new Map<string, IndexResult>();
  const summary = await client.processBatch(keywordRequests(paragraphs, options.model), {
    onResult: (result) => {
      const paragraph = result.metadata as Paragraph;
      byId.set(result.id, {
        paragraph,
        // The client validated the value against the JSON Schema; zod gives it its type.
        keywords: result.ok ? KeywordsSchema.parse(result.value) : { error: result.error.reason },
        attempts: result.attempts,
        costUsd: result.costUsd,
      });
    },
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const results = paragraphs.flatMap((paragraph) => byId.get(paragraph.id) ?? []);
  return { results, summary };
}
