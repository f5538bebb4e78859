import type { FakeResponder } from '@bookpipe/llm-batch/testing';

const STOP = new Set(
  'the a an and or of to in on at by for with as is was were be been it its his her their this that these those who which from not no but so than then there he she they we you i if when while into up out one all any such'.split(
    ' ',
  ),
);

/**
 * A stand-in for a model, so the example runs offline with no key: it "reads" the paragraph in the
 * prompt and answers mechanically (its first sentence, its most frequent long words). It also plays two
 * faults real providers produce, to show the client's retries: the second request is rate limited once
 * (429 with Retry-After), and the fourth first answers with JSON that breaks the schema.
 */
export function fakeKeywordModel(): FakeResponder {
  return ({ text, callIndex, attempt, id }) => {
    if (callIndex === 1 && attempt === 1) return { fault: 'rateLimit', retryAfterMs: 200 };
    if (id.endsWith('-4') && attempt === 1) return { fault: 'schemaViolation' };
    const paragraph = text.split('Paragraph:\n')[1] ?? '';
    const summary = (paragraph.match(/^.*?[.!?](\s|$)/s)?.[0] ?? paragraph).trim().slice(0, 200);
    const counts = new Map<string, number>();
    for (const word of paragraph.toLowerCase().match(/\p{L}+(?:['’-]\p{L}+)*/gu) ?? []) {
      if (word.length >= 5 && !STOP.has(word)) counts.set(word, (counts.get(word) ?? 0) + 1);
    }
    const keywords = [...counts]
      .sort((a, b) => b[1] - a[1] || b[0].length - a[0].length)
      .slice(0, 5)
      .map(([word]) => word);
    return {
      json: { summary: summary || '(empty)', keywords: keywords.length > 0 ? keywords : ['(none)'] },
      usage: { promptTokens: Math.ceil(text.length / 4), completionTokens: 40 },
      latencyMs: 20,
    };
  };
}
