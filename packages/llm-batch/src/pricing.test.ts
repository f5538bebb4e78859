import { describe, expect, it } from 'vitest';
import { attemptCost, DEFAULT_PRICING, findPrice } from './pricing.js';

const usage = { promptTokens: 2_000_000, completionTokens: 500_000, totalTokens: 2_500_000 };

describe('pricing', () => {
  it('finds exact ids, router-prefixed ids and dated variants, nothing fuzzier', () => {
    expect(findPrice(DEFAULT_PRICING, 'gpt-4o')).toEqual({ inputPerMillion: 2.5, outputPerMillion: 10 });
    expect(findPrice(DEFAULT_PRICING, 'openai/gpt-4o-mini')).toEqual({ inputPerMillion: 0.15, outputPerMillion: 0.6 });
    expect(findPrice(DEFAULT_PRICING, 'gpt-4o-mini-2024-07-18')).toEqual({ inputPerMillion: 0.15, outputPerMillion: 0.6 });
    expect(findPrice(DEFAULT_PRICING, 'claude-sonnet-4-20250514')).toEqual({ inputPerMillion: 3, outputPerMillion: 15 });
    expect(findPrice(DEFAULT_PRICING, 'claude-3-5-haiku-latest')).toEqual({ inputPerMillion: 0.8, outputPerMillion: 4 });
    expect(findPrice(DEFAULT_PRICING, 'gpt-4o-audio-preview')).toBeUndefined();
    expect(findPrice(DEFAULT_PRICING, 'llama3.2-vision')).toBeUndefined();
  });

  it('prefers the reported cost, then the table; unknown is null, never 0', () => {
    expect(attemptCost(DEFAULT_PRICING, 'gpt-4o', usage, 0.42)).toBe(0.42);
    expect(attemptCost(DEFAULT_PRICING, 'gpt-4o', usage, undefined)).toBeCloseTo(2 * 2.5 + 0.5 * 10, 10);
    expect(attemptCost(DEFAULT_PRICING, 'unknown-model', usage, undefined)).toBeNull();
    expect(attemptCost(DEFAULT_PRICING, 'gpt-4o', null, undefined)).toBeNull();
    expect(attemptCost({ ...DEFAULT_PRICING, 'unknown-model': { inputPerMillion: 1, outputPerMillion: 1 } }, 'unknown-model', usage, undefined)).toBe(2.5);
    expect(attemptCost(DEFAULT_PRICING, 'unknown-model', usage, 0)).toBe(0); // a reported 0 (free model) is known
  });
});
