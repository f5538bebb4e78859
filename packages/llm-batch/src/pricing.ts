import type { LlmUsage } from './types.js';

/** USD per million tokens. */
export interface ModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
}

/** Model id -> price. Keys are bare model ids (`gpt-4o-mini`, `claude-sonnet-4-5`). */
export type PricingTable = Readonly<Record<string, ModelPrice>>;

/**
 * List prices (standard tier, no caching or batch discount) of common vision models, USD per
 * million tokens. Prices change: extend or override them with the client's `pricing` option.
 */
export const DEFAULT_PRICING: PricingTable = Object.freeze({
  'gpt-4o': { inputPerMillion: 2.5, outputPerMillion: 10 },
  'gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6 },
  'gpt-4.1': { inputPerMillion: 2, outputPerMillion: 8 },
  'gpt-4.1-mini': { inputPerMillion: 0.4, outputPerMillion: 1.6 },
  'gpt-4.1-nano': { inputPerMillion: 0.1, outputPerMillion: 0.4 },
  'gpt-5': { inputPerMillion: 1.25, outputPerMillion: 10 },
  'gpt-5-mini': { inputPerMillion: 0.25, outputPerMillion: 2 },
  'gpt-5-nano': { inputPerMillion: 0.05, outputPerMillion: 0.4 },
  'claude-opus-4': { inputPerMillion: 15, outputPerMillion: 75 },
  'claude-opus-4-1': { inputPerMillion: 15, outputPerMillion: 75 },
  'claude-sonnet-4': { inputPerMillion: 3, outputPerMillion: 15 },
  'claude-sonnet-4-5': { inputPerMillion: 3, outputPerMillion: 15 },
  'claude-3-7-sonnet': { inputPerMillion: 3, outputPerMillion: 15 },
  'claude-3-5-haiku': { inputPerMillion: 0.8, outputPerMillion: 4 },
  'claude-haiku-4-5': { inputPerMillion: 1, outputPerMillion: 5 },
});

/**
 * Share of the live price a provider batch costs: OpenAI's Batch API and Anthropic's Message
 * Batches both bill half the standard price, input and output alike.
 */
export const BATCH_PRICE_FACTOR = 0.5;

/** A dated or pinned variant of a priced model: `-2024-08-06`, `-20250514`, `-latest`. */
const VARIANT = /^-(\d{4}-\d{2}-\d{2}|\d{8}|latest)$/;

/**
 * The price of `model`, or undefined when the table does not know it. Matches the exact id, then
 * without a router's vendor prefix (`openai/gpt-4o` on OpenRouter), then a dated variant of a known
 * id. Nothing fuzzier: `gpt-4o-audio-preview` must not be billed as `gpt-4o`.
 */
export function findPrice(table: PricingTable, model: string): ModelPrice | undefined {
  const exact = table[model];
  if (exact) return exact;
  const bare = model.includes('/') ? model.slice(model.lastIndexOf('/') + 1) : model;
  if (table[bare]) return table[bare];
  let best: string | undefined;
  for (const key of Object.keys(table)) {
    if (bare.startsWith(key) && VARIANT.test(bare.slice(key.length)) && (!best || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : table[best];
}

/**
 * USD for one attempt: what the provider reported if it did (OpenRouter's `usage.cost`), else the
 * table's price times the tokens; null when neither is known. Unknown is never 0.
 */
export function attemptCost(table: PricingTable, model: string, usage: LlmUsage | null, reportedUsd: number | undefined): number | null {
  if (reportedUsd !== undefined && Number.isFinite(reportedUsd)) return reportedUsd;
  if (!usage) return null;
  const price = findPrice(table, model);
  if (!price) return null;
  return (usage.promptTokens * price.inputPerMillion + usage.completionTokens * price.outputPerMillion) / 1_000_000;
}
